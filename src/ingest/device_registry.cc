#include "civitas/ingest/device_registry.h"

#include <boost/json.hpp>

#include "civitas/model/json_text.h"

namespace civitas::ingest {
namespace {

constexpr std::string_view kServicePrefix = "iot/service/";
constexpr std::string_view kDevicePrefix = "iot/device/";

Result<boost::json::object> ParseStored(const std::string& text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return Internal("stored IoT provisioning entry is corrupt");
  return std::move(value.as_object());
}

}  // namespace

Status DeviceRegistry::Load() {
  std::lock_guard lock(mu_);
  for (const auto& [key, text] : store_.ScanMeta(kServicePrefix)) {
    CIVITAS_ASSIGN_OR_RETURN(auto json, ParseStored(text));
    CIVITAS_ASSIGN_OR_RETURN(ServiceGroup group, ParseServiceGroup(json, key));
    services_[group.apikey] = std::move(group);
  }
  for (const auto& [key, text] : store_.ScanMeta(kDevicePrefix)) {
    CIVITAS_ASSIGN_OR_RETURN(auto json, ParseStored(text));
    CIVITAS_ASSIGN_OR_RETURN(Device device, ParseDevice(json, key));
    devices_[device.device_id] = std::move(device);
  }
  return Status::Ok();
}

Status DeviceRegistry::AddServices(const std::vector<ServiceGroup>& groups) {
  std::lock_guard lock(mu_);
  for (const auto& g : groups) {
    if (services_.count(g.apikey) > 0) {
      return AlreadyExists("a service group with apikey '" + g.apikey + "' exists");
    }
  }
  for (const auto& g : groups) {
    CIVITAS_RETURN_IF_ERROR(store_.PutMeta(std::string(kServicePrefix) + g.apikey,
                                           model::ToJsonText(ServiceGroupToJson(g))));
    services_[g.apikey] = g;
  }
  return Status::Ok();
}

Status DeviceRegistry::AddDevices(const std::vector<Device>& devices) {
  std::lock_guard lock(mu_);
  for (const auto& d : devices) {
    if (devices_.count(d.device_id) > 0) {
      return AlreadyExists("a device with device_id '" + d.device_id + "' exists");
    }
  }
  for (const auto& d : devices) {
    CIVITAS_RETURN_IF_ERROR(store_.PutMeta(std::string(kDevicePrefix) + d.device_id,
                                           model::ToJsonText(DeviceToJson(d))));
    devices_[d.device_id] = d;
  }
  return Status::Ok();
}

std::vector<ServiceGroup> DeviceRegistry::Services() const {
  std::lock_guard lock(mu_);
  std::vector<ServiceGroup> out;
  for (const auto& [_, g] : services_) out.push_back(g);
  return out;
}

std::vector<Device> DeviceRegistry::Devices() const {
  std::lock_guard lock(mu_);
  std::vector<Device> out;
  for (const auto& [_, d] : devices_) out.push_back(d);
  return out;
}

std::optional<Device> DeviceRegistry::FindDevice(std::string_view device_id) const {
  std::lock_guard lock(mu_);
  auto it = devices_.find(device_id);
  if (it == devices_.end()) return std::nullopt;
  return it->second;
}

std::optional<ServiceGroup> DeviceRegistry::FindService(std::string_view apikey) const {
  std::lock_guard lock(mu_);
  auto it = services_.find(apikey);
  if (it == services_.end()) return std::nullopt;
  return it->second;
}

Status DeviceRegistry::RemoveService(std::string_view apikey) {
  std::lock_guard lock(mu_);
  auto it = services_.find(apikey);
  if (it == services_.end()) return NotFound("no service group with apikey '" + std::string(apikey) + "'");
  CIVITAS_RETURN_IF_ERROR(store_.DeleteMeta(std::string(kServicePrefix) + std::string(apikey)));
  services_.erase(it);
  return Status::Ok();
}

Status DeviceRegistry::RemoveDevice(std::string_view device_id) {
  std::lock_guard lock(mu_);
  auto it = devices_.find(device_id);
  if (it == devices_.end()) return NotFound("no device '" + std::string(device_id) + "'");
  CIVITAS_RETURN_IF_ERROR(store_.DeleteMeta(std::string(kDevicePrefix) + std::string(device_id)));
  devices_.erase(it);
  return Status::Ok();
}

}  // namespace civitas::ingest
