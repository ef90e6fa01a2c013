// The FIWARE IoT Agent provisioning API: /iot/services (POST, GET, DELETE ?apikey=) and
// /iot/devices (POST, GET), /iot/devices/{device_id} (GET, DELETE). Bodies as the IoT Agent's:
// {"services": [...]} and {"devices": [...]}.

#include <boost/json.hpp>

#include "broker_impl.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

Reply Empty(const HttpRequest& request, http::status status) {
  Reply reply;
  reply.response = HttpResponse{status, request.version()};
  return reply;
}

std::string QueryParam(std::string_view target, std::string_view name) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return "";
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.substr(0, pair.find('=')) == name && pair.find('=') != std::string_view::npos) {
      return std::string(pair.substr(pair.find('=') + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

}  // namespace

Reply Broker::Impl::Provisioning(HttpRequest& request, std::string_view path) {
  const auto method = request.method();
  using V = http::verb;
  if (path == "/iot/services") {
    if (method == V::post) {
      auto groups = ingest::ParseServiceGroups(request.body());
      if (!groups.ok()) return ErrorReply(request, groups.status());
      if (auto s = devices->AddServices(*groups); !s.ok()) return ErrorReply(request, s);
      return Empty(request, http::status::created);
    }
    if (method == V::get) {
      json::array services;
      for (const auto& g : devices->Services()) services.push_back(ingest::ServiceGroupToJson(g));
      json::object body{{"count", services.size()}, {"services", std::move(services)}};
      return PlainJsonReply(request, http::status::ok, body);
    }
    if (method == V::delete_) {
      std::string apikey = QueryParam(request.target(), "apikey");
      if (apikey.empty())
        return ErrorReply(request, BadRequestData("DELETE /iot/services needs ?apikey="));
      if (auto s = devices->RemoveService(apikey); !s.ok()) return ErrorReply(request, s);
      return Empty(request, http::status::no_content);
    }
  }
  if (path == "/iot/devices") {
    if (method == V::post) {
      auto parsed = ingest::ParseDevices(request.body());
      if (!parsed.ok()) return ErrorReply(request, parsed.status());
      if (auto s = devices->AddDevices(*parsed); !s.ok()) return ErrorReply(request, s);
      return Empty(request, http::status::created);
    }
    if (method == V::get) {
      json::array list;
      for (const auto& d : devices->Devices()) list.push_back(ingest::DeviceToJson(d));
      json::object body{{"count", list.size()}, {"devices", std::move(list)}};
      return PlainJsonReply(request, http::status::ok, body);
    }
  }
  constexpr std::string_view kDevicePrefix = "/iot/devices/";
  if (path.starts_with(kDevicePrefix) && path.size() > kDevicePrefix.size()) {
    std::string device_id(path.substr(kDevicePrefix.size()));
    if (method == V::get) {
      auto device = devices->FindDevice(device_id);
      if (!device) return ErrorReply(request, NotFound("no device '" + device_id + "'"));
      return PlainJsonReply(request, http::status::ok, ingest::DeviceToJson(*device));
    }
    if (method == V::delete_) {
      if (auto s = devices->RemoveDevice(device_id); !s.ok()) return ErrorReply(request, s);
      return Empty(request, http::status::no_content);
    }
  }
  return ErrorReply(
      request, NotFound("no provisioning resource " + std::string(request.method_string()) + " " +
                        std::string(path)));
}

}  // namespace civitas::api
