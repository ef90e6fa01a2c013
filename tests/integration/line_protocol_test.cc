// Compact ingest against the real server: a Telegraf influxdb_v2 request replayed from its
// fixture (gzip, Authorization: Token), the 1.x /write API with its credentials, partial
// writes, authorisation (401, 403, device tokens), CSV bulk writes, the body limit once
// inflated, and acknowledged writes surviving SIGKILL. Expected values are computed here from
// what the test sent.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "auth_support.h"
#include "broker_fixture.h"
#include "write_support.h"

namespace civitas::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kConfig = R"(ingest:
  mappings:
    - measurement: mqtt_consumer
      type: AirQualityObserved
      id: topic
      attributes:
        pm25: {unitCode: GQ}
        temperature: {unitCode: CEL}
    - measurement: cpu
      id: [host, cpu]
      idPrefix: "urn:ngsi-ld:Host:"
    - measurement: aq
      type: AirQualityObserved
      id: sensor
)";

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One sample of the fixture, read with the test's own minimal split (the fixture has no
// escapes or quoted spaces).
struct FixtureSample {
  std::string topic;
  int64_t time_ns = 0;
  std::map<std::string, std::string> fields;  // raw field values
};

std::vector<FixtureSample> AirQualityLines(const std::string& body) {
  std::vector<FixtureSample> out;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("mqtt_consumer,")) continue;
    FixtureSample s;
    const size_t tags_end = line.find(' ');
    const size_t fields_end = line.rfind(' ');
    std::string tags = line.substr(0, tags_end);
    s.topic = tags.substr(tags.find("topic=") + 6);
    std::istringstream fields(line.substr(tags_end + 1, fields_end - tags_end - 1));
    std::string kv;
    while (std::getline(fields, kv, ',')) {
      s.fields[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    s.time_ns = std::stoll(line.substr(fields_end + 1));
    out.push_back(std::move(s));
  }
  return out;
}

// An id as a path segment: the topic tag puts '/' in the ids.
std::string PathSegment(const std::string& id) {
  std::string out;
  for (char c : id) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

// Standard base64 with padding (HTTP Basic credentials).
std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string IsoOfNs(int64_t ns) {
  std::time_t seconds = ns / 1'000'000'000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  const int64_t us = (ns % 1'000'000'000) / 1000;
  std::string out = buf;
  if (us != 0) {
    char frac[16];
    if (us % 1000 == 0) {
      std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(us / 1000));
    } else {
      std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us));
    }
    out += frac;
  }
  return out + "Z";
}

class LineProtocolTest : public BrokerTest {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "civitas.yaml") << kConfig;
    StartWith({});
  }
  void StartWith(std::vector<std::string> extra) {
    client_.reset();
    server_.reset();
    extra.insert(extra.end(), {"--config", (dir_.path() / "civitas.yaml").string()});
    server_ = std::make_unique<ServerProcess>(dir_.path() / "data", extra);
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  HttpResult Write(const std::string& target, const std::string& body,
                   std::map<std::string, std::string> headers = {}) {
    headers.emplace("Content-Type", "text/plain; charset=utf-8");
    return http().Send("POST", target, body, headers);
  }
  json::value History(const std::string& id, const std::string& attr) {
    auto r = http().Get(std::string(kApi) + "/temporal/entities/" + id + "?attrs=" + attr +
                        "&options=temporalValues");
    EXPECT_EQ(r.status, 200) << id << ": " << r.body;
    return r.status == 200 ? r.Json() : json::value();
  }
  // A client sending `token` as a bearer token ("" for none).
  std::unique_ptr<HttpClient> As(const std::string& token) {
    auto client = std::make_unique<HttpClient>(server_->port());
    client->SetBearer(token);
    return client;
  }
};

TEST_F(LineProtocolTest, TelegrafInfluxDbV2RequestFromTheFixture) {
  const fs::path fixtures = fs::path(CIVITAS_SOURCE_DIR) / "tests/integration/fixtures";
  const std::string gz = ReadBytes(fixtures / "telegraf_influxdb_v2.lp.gz");
  ASSERT_FALSE(gz.empty());
  std::istringstream head(ReadBytes(fixtures / "telegraf_influxdb_v2.headers"));
  std::string line, method, target;
  std::map<std::string, std::string> headers;
  while (std::getline(head, line)) {
    if (line.empty() || line.starts_with("#")) continue;
    if (method.empty()) {
      std::istringstream request_line(line);
      request_line >> method >> target;
      continue;
    }
    std::string name = line.substr(0, line.find(':'));
    std::string value = line.substr(line.find(':') + 2);
    if (value.find("${TOKEN}") != std::string::npos) {
      value.replace(value.find("${TOKEN}"), 8, kTestAdminToken);
    }
    headers[name] = value;
  }
  ASSERT_EQ(method, "POST");
  ASSERT_EQ(headers.at("Authorization").substr(0, 6), "Token ");
  auto anonymous = As("");
  auto r = anonymous->Send(method, target, gz, headers);
  ASSERT_EQ(r.status, 204) << r.body;

  // What the fixture says, per sensor: its last reading and every pm25 sample.
  const auto samples = AirQualityLines(Gunzip(gz));
  ASSERT_EQ(samples.size(), 18u);
  std::map<std::string, std::vector<const FixtureSample*>> by_topic;
  for (const auto& s : samples) by_topic[s.topic].push_back(&s);
  ASSERT_EQ(by_topic.size(), 3u);
  for (const auto& [topic, list] : by_topic) {
    const std::string id = "urn:ngsi-ld:AirQualityObserved:" + topic;
    const FixtureSample& last = *list.back();
    json::object e = Fetch(PathSegment(id));
    ASSERT_FALSE(e.empty()) << id;
    EXPECT_EQ(e.at("type"), "AirQualityObserved");
    const auto& pm25 = e.at("pm25").as_object();
    EXPECT_DOUBLE_EQ(pm25.at("value").to_number<double>(), std::stod(last.fields.at("pm25")));
    EXPECT_EQ(pm25.at("unitCode"), "GQ");
    EXPECT_EQ(pm25.at("observedAt").as_string(), IsoOfNs(last.time_ns));
    EXPECT_EQ(e.at("humidity").at("value").as_int64(),
              std::stoll(last.fields.at("humidity")));  // the i suffix keeps an integer
    std::string status = last.fields.at("status");
    EXPECT_EQ(e.at("status").at("value").as_string(), status.substr(1, status.size() - 2));
    EXPECT_EQ(e.at("host").at("value"), "gw-01") << "tags are Properties";
    EXPECT_FALSE(e.at("host").as_object().contains("observedAt"));

    json::value history = History(PathSegment(id), "pm25");
    const auto& values = history.at("pm25").at("values").as_array();
    ASSERT_EQ(values.size(), list.size()) << id;
    for (size_t i = 0; i < list.size(); ++i) {
      EXPECT_DOUBLE_EQ(values[i].as_array()[0].to_number<double>(),
                       std::stod(list[i]->fields.at("pm25")));
      EXPECT_EQ(values[i].as_array()[1].as_string(), IsoOfNs(list[i]->time_ns));
    }
  }
  // The gateway's cpu (two id tags) and mem (the default id: every tag, here the host).
  EXPECT_EQ(Fetch("urn:ngsi-ld:Host:gw-01:cpu-total", "?options=keyValues")
                .at("usage_idle")
                .to_number<double>(),
            95.0);
  EXPECT_EQ(Fetch("urn:ngsi-ld:mem:gw-01", "?options=keyValues").at("total"), 16411471872);
}

TEST_F(LineProtocolTest, InfluxDbV1WriteWithItsCredentialsAndPrecisions) {
  auto anonymous = As("");
  const std::string body =
      "aq,sensor=s1 pm25=10 1767225600000\naq,sensor=s1 pm25=11 1767225660000\n";
  auto basic = anonymous->Send(
      "POST", "/write?db=telegraf&precision=ms", body,
      {{"Authorization", "Basic " + Base64(std::string("telegraf:") + kTestAdminToken)}});
  EXPECT_EQ(basic.status, 204) << basic.body;
  auto query = anonymous->Send(
      "POST", std::string("/write?db=telegraf&precision=s&u=telegraf&p=") + kTestAdminToken,
      "aq,sensor=s1 pm25=12 1767225720\n");
  EXPECT_EQ(query.status, 204) << query.body;
  json::value history = History("urn:ngsi-ld:AirQualityObserved:s1", "pm25");
  const auto& values = history.at("pm25").at("values").as_array();
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].as_array()[1], "2026-01-01T00:00:00Z");
  EXPECT_EQ(values[2].as_array()[1], "2026-01-01T00:02:00Z");
  EXPECT_EQ(Fetch("urn:ngsi-ld:AirQualityObserved:s1", "?options=keyValues").at("pm25"), 12);

  auto bad_precision = Write("/write?db=x&precision=seconds", body);
  EXPECT_EQ(bad_precision.status, 400);
  EXPECT_TRUE(bad_precision.Json().as_object().contains("error")) << bad_precision.body;
}

TEST_F(LineProtocolTest, PartialWriteKeepsTheValidLinesAndNamesTheFirstBadOne) {
  const std::string body =
      "aq,sensor=p1 pm25=1 1767225600\n"
      "aq,sensor=p2 pm25=1.2.3 1767225600\n"
      "aq,sensor=p3 pm25=3 1767225600\n"
      "aq,sensor=p4,mac=00:11:22:33:44:55 pm25=NaN 1767225600\n";
  auto r = Write("/api/v2/write?bucket=b&org=o&precision=s", body);
  ASSERT_EQ(r.status, 400) << r.body;
  const json::value parsed = r.Json();
  const json::object& error = parsed.as_object();
  EXPECT_EQ(error.at("code"), "invalid");
  const std::string message(error.at("message").as_string());
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
  EXPECT_NE(message.find("2 points written, 2 rejected"), std::string::npos) << message;
  EXPECT_EQ(message.find("00:11:22"), std::string::npos) << "never the line's text";
  EXPECT_EQ(Fetch("urn:ngsi-ld:AirQualityObserved:p1", "?options=keyValues").at("pm25"), 1);
  EXPECT_EQ(Fetch("urn:ngsi-ld:AirQualityObserved:p3", "?options=keyValues").at("pm25"), 3);
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:AirQualityObserved:p2")).status, 404);

  // No valid line: 400 and nothing written; the 1.x shape on /write.
  auto none = Write("/write?db=x", "aq,sensor=n1 pm25=\nno fields here\n");
  ASSERT_EQ(none.status, 400);
  EXPECT_NE(std::string(none.Json().at("error").as_string()).find("line 1"), std::string::npos);
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:AirQualityObserved:n1")).status, 404);
  // Comments and blank lines only: nothing to do.
  EXPECT_EQ(Write("/api/v2/write?bucket=b", "# nothing\n\n").status, 204);
}

TEST_F(LineProtocolTest, TokensRolesAndDeviceOwnership) {
  const std::string body = "aq,sensor=own-1 pm25=5 1767225600\n";
  auto anonymous = As("");
  auto unauthorized = anonymous->Send("POST", "/api/v2/write?bucket=b&precision=s", body);
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(unauthorized.Json().at("code"), "unauthorized");
  auto bad = anonymous->Send("POST", "/api/v2/write?bucket=b&precision=s", body,
                             {{"Authorization", "Token cvt_nope_nope"}});
  EXPECT_EQ(bad.status, 401);

  auto analyst = CreateToken(http(), {{"role", "analyst"}, {"tenants", {"default"}}});
  auto reader =
      anonymous->Send("POST", "/api/v2/write?bucket=b&precision=s", body,
                      {{"Authorization", "Token " + std::string(analyst.at("token").as_string())}});
  EXPECT_EQ(reader.status, 403) << reader.body;
  EXPECT_EQ(reader.Json().at("code"), "forbidden");
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:AirQualityObserved:own-1")).status, 404);

  auto device = CreateToken(http(), {{"role", "device"},
                                     {"tenants", {"default"}},
                                     {"entities", {"urn:ngsi-ld:AirQualityObserved:own-*"}}});
  const std::map<std::string, std::string> as_device = {
      {"Authorization", "Token " + std::string(device.at("token").as_string())}};
  EXPECT_EQ(anonymous->Send("POST", "/api/v2/write?bucket=b&precision=s", body, as_device).status,
            204);
  auto foreign = anonymous->Send("POST", "/api/v2/write?bucket=b&precision=s",
                                 body + "aq,sensor=other pm25=6 1767225600\n", as_device);
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:AirQualityObserved:other")).status, 404);
  auto csv = anonymous->Send("POST", "/api/v1/bulk/csv?measurement=aq",
                             "sensor,pm25\nown-2,1\nother,2\n", as_device);
  EXPECT_EQ(csv.status, 403) << csv.body;
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:AirQualityObserved:own-2")).status, 404);
}

TEST_F(LineProtocolTest, CsvBulkWritesThroughTheSameMappingAllOrNothing) {
  const std::string csv =
      "sensor,time,pm25,note\n"
      "c1,2026-01-01T00:00:00Z,4.5,first\n"
      "c1,2026-01-01T00:01:00Z,5.5,\n"
      "c2,2026-01-01T00:00:00Z,7,\n";
  std::ofstream(dir_.path() / "civitas.yaml")
      << kConfig << "    - measurement: aqcsv\n      type: AirQualityObserved\n      id: sensor\n"
      << "      observedAt: time\n      attributes:\n        pm25: {unitCode: GQ, type: number}\n";
  StartWith({});
  auto r = http().Send("POST", "/api/v1/bulk/csv?measurement=aqcsv", Gzip(csv),
                       {{"Content-Type", "text/csv"}, {"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("rows"), 3);
  EXPECT_EQ(r.Json().at("entities"), 2);
  json::object c1 = Fetch("urn:ngsi-ld:AirQualityObserved:c1");
  EXPECT_EQ(c1.at("pm25").at("value"), 5.5);
  EXPECT_EQ(c1.at("pm25").at("observedAt"), "2026-01-01T00:01:00Z");
  EXPECT_EQ(c1.at("note").at("value"), "first");
  json::value history = History("urn:ngsi-ld:AirQualityObserved:c1", "pm25");
  EXPECT_EQ(history.at("pm25").at("values").as_array().size(), 2u);

  auto bad =
      http().Send("POST", "/api/v1/bulk/csv?measurement=aqcsv",
                  "sensor,time,pm25\nc3,2026-01-01T00:00:00Z,1\nc4,2026-01-01T00:00:00Z,lots\n",
                  {{"Content-Type", "text/csv"}});
  EXPECT_TRUE(IsProblem(bad, 400, "BadRequestData"));
  EXPECT_NE(bad.body.find("line 3: column 'pm25': not a number"), std::string::npos) << bad.body;
  EXPECT_EQ(bad.body.find("lots"), std::string::npos);
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:AirQualityObserved:c3")).status, 404);
  EXPECT_TRUE(IsProblem(http().Send("POST", "/api/v1/bulk/csv", csv), 400, "InvalidRequest"));
}

TEST_F(LineProtocolTest, GzipBodiesMayNotInflatePastTheBodyLimit) {
  StartWith({"--max-body-bytes", "4096"});
  std::string lines;
  for (int i = 0; i < 400; ++i) {
    lines +=
        "aq,sensor=big pm25=" + std::to_string(i) + " " + std::to_string(1767225600 + i) + "\n";
  }
  const std::string gz = Gzip(lines);
  ASSERT_LT(gz.size(), 4096u);
  auto r = Write("/api/v2/write?bucket=b&precision=s", gz, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.Json().at("code"), "request too large");
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:AirQualityObserved:big")).status, 404);
  EXPECT_EQ(Write("/api/v2/write?bucket=b&precision=s", "aq,sensor=ok pm25=1 1767225600\n",
                  {{"Content-Encoding", "br"}})
                .status,
            415);
}

TEST_F(LineProtocolTest, AcknowledgedWritesSurviveSigkill) {
  // Three samples of one new sensor per request: the entity and two history instances.
  auto sensor_of = [](int w, int i) { return "k" + std::to_string(w) + "-" + std::to_string(i); };
  std::vector<std::string> acknowledged;
  for (auto [w, i] : AcknowledgedBeforeSigkill(
           *server_, /*writers=*/4, /*kill_after=*/1500, [&](HttpClient&client, int w, int i) {
             std::string body;
             for (int k = 0; k < 3; ++k) {
               body += "aq,sensor=" + sensor_of(w, i) + " pm25=" + std::to_string(k) + " " +
                       std::to_string(1767225600 + 60 * k) + "\n";
             }
             return client
                 .Send("POST", "/api/v2/write?bucket=b&precision=s", body,
                       {{"Content-Type", "text/plain"}})
                 .status;
           })) {
    acknowledged.push_back(sensor_of(w, i));
  }

  StartWith({});
  size_t missing = 0;
  for (const std::string& sensor : acknowledged) {
    const std::string id = "urn:ngsi-ld:AirQualityObserved:" + sensor;
    auto r = http().Get(std::string(kApi) + "/temporal/entities/" + id +
                        "?attrs=pm25&options=temporalValues");
    if (r.status != 200) {
      ++missing;
      continue;
    }
    json::value body = r.Json();
    EXPECT_EQ(body.at("pm25").at("values").as_array().size(), 3u) << id;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged requests";
}

}  // namespace
}  // namespace civitas::testing
