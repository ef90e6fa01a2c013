#pragma once

// Shared fixture and assertions for the NGSI-LD API integration tests: one
// fresh broker per test (port 0, temp data dir) and a keep-alive client.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>
#include <memory>
#include <string>

#include "harness.h"

namespace civitas::testing {

inline constexpr const char *kApi = "/ngsi-ld/v1";
inline constexpr const char *kErrorBase =
    "https://uri.etsi.org/ngsi-ld/errors/";

// The entity URL of an id.
inline std::string EntityUrl(const std::string &id) {
  return std::string(kApi) + "/entities/" + id;
}

// A Link header value for a JSON-LD context URL.
inline std::string LinkTo(const std::string &context_url) {
  return "<" + context_url +
         ">; rel=\"http://www.w3.org/ns/json-ld#context\"; "
         "type=\"application/ld+json\"";
}

// Asserts an NGSI-LD ProblemDetails response with this HTTP status and error
// name.
inline ::testing::AssertionResult
IsProblem(const HttpResult &result, int status, const std::string &name) {
  if (result.status != status) {
    return ::testing::AssertionFailure()
           << "status " << result.status << ", want " << status << "; body "
           << result.body;
  }
  boost::system::error_code ec;
  auto body = boost::json::parse(result.body, ec);
  if (ec || !body.is_object()) {
    return ::testing::AssertionFailure()
           << "body is not a JSON object: " << result.body;
  }
  const auto &obj = body.as_object();
  const auto *type = obj.if_contains("type");
  if (type == nullptr || !type->is_string() ||
      type->get_string() != kErrorBase + name) {
    return ::testing::AssertionFailure()
           << "type is not " << kErrorBase << name << ": " << result.body;
  }
  for (const char *member : {"title", "detail"}) {
    const auto *m = obj.if_contains(member);
    if (m == nullptr || !m->is_string() || m->get_string().empty()) {
      return ::testing::AssertionFailure()
             << "no " << member << ": " << result.body;
    }
  }
  return ::testing::AssertionSuccess();
}

// A normalized Property.
inline boost::json::object Prop(boost::json::value value) {
  return boost::json::object{{"type", "Property"}, {"value", std::move(value)}};
}
// A normalized Relationship.
inline boost::json::object Rel(std::string object) {
  return boost::json::object{{"type", "Relationship"},
                             {"object", std::move(object)}};
}
// A GeoProperty holding a GeoJSON geometry.
inline boost::json::object Geo(boost::json::value geometry) {
  return boost::json::object{{"type", "GeoProperty"},
                             {"value", std::move(geometry)}};
}
inline boost::json::object Point(double lon, double lat) {
  return boost::json::object{{"type", "Point"},
                             {"coordinates", boost::json::array{lon, lat}}};
}

class BrokerTest : public ::testing::Test {
protected:
  void SetUp() override { Start(); }

  void Start() {
    server_ = std::make_unique<ServerProcess>(dir_.path());
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  // SIGTERM and start again on the same data dir.
  void Restart() {
    client_.reset();
    EXPECT_EQ(server_->Terminate(), 0) << "a clean shutdown exits with 0";
    Start();
  }

  HttpClient &http() {
    if (!client_)
      client_ = std::make_unique<HttpClient>(0); // fails each request, no crash
    return *client_;
  }

  // Creates an entity and asserts 201.
  void Create(const boost::json::object &entity,
              const std::map<std::string, std::string> &headers = {}) {
    auto r = client_->Post(std::string(kApi) + "/entities", entity, headers);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // GET of an entity (with query string `query`, e.g. "?options=keyValues");
  // asserts 200.
  boost::json::object
  Fetch(const std::string &id, const std::string &query = "",
        const std::map<std::string, std::string> &headers = {}) {
    auto r = client_->Get(EntityUrl(id) + query, headers);
    EXPECT_EQ(r.status, 200) << id << ": " << r.body;
    if (r.status != 200)
      return {};
    return r.Json().as_object();
  }
  // GET /entities with a query string; asserts 200 and returns the array.
  boost::json::array
  Query(const std::string &query,
        const std::map<std::string, std::string> &headers = {}) {
    auto r = client_->Get(std::string(kApi) + "/entities?" + query, headers);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    if (r.status != 200 || !r.Json().is_array())
      return {};
    return r.Json().as_array();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

// The ids of an array of entities, in response order.
// µs since the epoch of a time as the broker writes it, "YYYY-MM-DDTHH:MM:SS[.fff[fff]]Z": such
// strings do not compare as text ("...00.123001Z" sorts before "...00.123Z"). -1 when malformed.
inline int64_t MicrosOf(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr || text.empty() || text.back() != 'Z') return -1;
  std::string fraction = *rest == '.' ? std::string(rest + 1, text.c_str() + text.size() - 1) : "";
  fraction.resize(6, '0');
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000 + std::stoll(fraction);
}

inline std::vector<std::string> Ids(const boost::json::array &entities) {
  std::vector<std::string> out;
  for (const auto &e : entities)
    out.emplace_back(e.at("id").as_string());
  return out;
}

} // namespace civitas::testing
