// `civitas import` and `civitas export` as a user runs them: the real binary on temp data dirs,
// files written by the test (plain, gzip, directories), round trips export → import → export,
// a restore of entities and history read back through the temporal API, malformed rows,
// resumption, and a store held by a running server.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <zlib.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "broker_fixture.h"
#include "harness.h"

extern char** environ;

namespace civitas::testing {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int exit_code = -1;
  std::string out, err;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `civitas args...` to completion with stdout and stderr captured in files under `dir`.
CommandRun Civitas(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), CivitasBinary());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const fs::path out = dir / "run.out", err = dir / "run.err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  CommandRun run;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  run.out = ReadFile(out);
  run.err = ReadFile(err);
  return run;
}

constexpr const char* kLines =
    R"({"id":"urn:ngsi-ld:Thing:1","type":"Thing","temperature":{"type":"Property","value":21.5,"observedAt":"2026-01-01T00:00:00Z","unitCode":"CEL"}})"
    "\n"
    R"({"id":"urn:ngsi-ld:Thing:2","type":"Thing","name":"two","location":{"type":"Point","coordinates":[7.6,45.0]}})"
    "\n\n"
    R"({"id":"not a uri","type":"Thing"})"
    "\n"
    R"({"id":"urn:ngsi-ld:Thing:3",)"
    "\n";

constexpr const char* kArray =
    R"([{"id":"urn:ngsi-ld:ParkingSpot:p1","type":"ParkingSpot","status":"free",
         "@context":"https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld"},
        {"id":"urn:ngsi-ld:Thing:4","type":"Thing","count":{"type":"Property","value":4}}])";

class BulkCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "in" / "more");
    std::ofstream(dir_.path() / "in" / "a.jsonl") << kLines;
    gzFile gz = gzopen((dir_.path() / "in" / "more" / "b.json.gz").c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    gzwrite(gz, kArray, static_cast<unsigned>(std::strlen(kArray)));
    gzclose(gz);
    std::ofstream(dir_.path() / "in" / "notes.txt") << "not imported: not an NGSI-LD file";
  }
  std::string Data(const char* name) { return (dir_.path() / name).string(); }
  // The WeatherObserved history of a data dir, exported as CSV.
  std::string WeatherHistoryCsv(const char* data_dir) {
    CommandRun csv = Civitas(dir_.path(), {"export", "--data-dir", Data(data_dir), "--history",
                                           "--format", "csv", "--type", "WeatherObserved"});
    EXPECT_EQ(csv.exit_code, 0) << csv.err;
    return csv.out;
  }
  // `history` holds both rows, `earlier` first.
  static void ExpectRowsInOrder(const std::string& history, const std::string& earlier,
                                const std::string& later) {
    const size_t first = history.find(earlier);
    const size_t second = history.find(later);
    EXPECT_NE(first, std::string::npos) << earlier << " not in\n" << history;
    EXPECT_NE(second, std::string::npos) << later << " not in\n" << history;
    EXPECT_LT(first, second) << history;
  }

  TempDir dir_;
};

TEST_F(BulkCommandTest, ImportsDirectoriesAndGzipAndReportsRejectedRows) {
  CommandRun run = Civitas(dir_.path(), {"import", Data("in"), "--data-dir", Data("d1")});
  EXPECT_EQ(run.exit_code, 1) << run.err;  // rows were rejected
  EXPECT_NE(run.err.find("4 accepted, 2 rejected"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("a.jsonl:4: entity id must be a URI"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("a.jsonl:5: not valid JSON"), std::string::npos) << run.err;

  // Running it again finds the files done.
  CommandRun again = Civitas(dir_.path(), {"import", Data("in"), "--data-dir", Data("d1")});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("0 accepted, 0 rejected"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("imported already"), std::string::npos) << again.err;

  // The entities are there for the server, history included.
  ServerProcess server(Data("d1"));
  HttpClient client(server.port());
  EXPECT_EQ(client.Get("/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:2").status, 200);
  auto spot = client.Get("/ngsi-ld/v1/entities?type=ParkingSpot",
                         {{"Link",
                           "<https://raw.githubusercontent.com/smart-data-models/"
                           "dataModel.Parking/master/context.jsonld>; "
                           "rel=\"http://www.w3.org/ns/json-ld#context\"; "
                           "type=\"application/ld+json\""}});
  ASSERT_EQ(spot.status, 200);
  EXPECT_EQ(spot.Json().as_array().size(), 1u) << spot.body;
  auto history = client.Get("/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Thing:1?attrs=temperature");
  ASSERT_EQ(history.status, 200);
  EXPECT_NE(history.body.find("2026-01-01T00:00:00Z"), std::string::npos) << history.body;

  // While the server holds the store, import refuses and changes nothing.
  std::ofstream(dir_.path() / "late.jsonl") << R"({"id":"urn:ngsi-ld:Thing:9","type":"Thing"})"
                                            << "\n";
  CommandRun busy = Civitas(dir_.path(), {"import", Data("late.jsonl"), "--data-dir", Data("d1")});
  EXPECT_EQ(busy.exit_code, 2);
  EXPECT_NE(busy.err.find("is a server using it?"), std::string::npos) << busy.err;
  EXPECT_EQ(client.Get("/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:9").status, 404);
}

// Now in µs, rounded down to the millisecond the broker's clock reads.
int64_t NowMillisInMicros() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count() * 1000;
}

TEST_F(BulkCommandTest, ExportImportExportRoundTripsExactly) {
  const int64_t before_import = NowMillisInMicros();
  ASSERT_EQ(Civitas(dir_.path(), {"import", Data("in"), "--data-dir", Data("d1")}).exit_code, 1);
  // A millisecond's margin: the clock adds a µs per write crowding one millisecond.
  const int64_t after_import = NowMillisInMicros() + 1000;
  CommandRun first =
      Civitas(dir_.path(), {"export", "--data-dir", Data("d1"), "-o", Data("one.jsonl")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string one = ReadFile(dir_.path() / "one.jsonl");
  EXPECT_EQ(std::count(one.begin(), one.end(), '\n'), 4) << one;

  CommandRun back = Civitas(dir_.path(), {"import", Data("one.jsonl"), "--data-dir", Data("d2")});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.err.find("4 accepted, 0 rejected"), std::string::npos) << back.err;
  CommandRun second =
      Civitas(dir_.path(), {"export", "--data-dir", Data("d2"), "-o", Data("two.jsonl")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(ReadFile(dir_.path() / "two.jsonl"), one);

  CommandRun things = Civitas(
      dir_.path(), {"export", "--data-dir", Data("d2"), "--type", "Thing", "--format", "geojson"});
  ASSERT_EQ(things.exit_code, 0) << things.err;
  auto geojson = boost::json::parse(things.out).as_object();
  const auto& features = geojson.at("features").as_array();
  ASSERT_EQ(features.size(), 3u);
  int located = 0;
  for (const auto& f : features) located += f.at("geometry").is_object() ? 1 : 0;
  EXPECT_EQ(located, 1);

  EXPECT_EQ(Civitas(dir_.path(), {"export", "--data-dir", Data("d2"), "--format", "xml"}).exit_code,
            2);

  // History as CSV, filtered by type and time.
  CommandRun csv = Civitas(
      dir_.path(), {"export", "--data-dir", Data("d1"), "--history", "--format", "csv", "--type",
                    "Thing", "--from", "2025-12-31T00:00:00Z", "--to", "2026-01-02T00:00:00Z"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  // The instance's modifiedAt is when the import wrote it.
  const std::string row_start =
      "id,type,attribute,datasetId,observedAt,value,unitCode,modifiedAt\n"
      "urn:ngsi-ld:Thing:1,Thing,temperature,,2026-01-01T00:00:00Z,21.5,CEL,";
  ASSERT_TRUE(csv.out.starts_with(row_start) && csv.out.ends_with("Z\n")) << csv.out;
  const int64_t modified =
      MicrosOf(csv.out.substr(row_start.size(), csv.out.size() - row_start.size() - 1));
  EXPECT_GE(modified, before_import) << csv.out;
  EXPECT_LE(modified, after_import) << csv.out;
  CommandRun lines = Civitas(dir_.path(), {"export", "--data-dir", Data("d1"), "--history",
                                           "--type", "Thing", "--to", "2026-01-02T00:00:00Z"});
  ASSERT_EQ(lines.exit_code, 0) << lines.err;
  auto record = boost::json::parse(lines.out).as_object();
  EXPECT_EQ(record.at("value"), 21.5);
  EXPECT_EQ(record.at("unitCode"), "CEL");
  EXPECT_EQ(MicrosOf(std::string(record.at("modifiedAt").as_string())), modified);
  // The same instant the temporal API's modifiedAt view gives.
  ServerProcess server(Data("d1"));
  HttpClient client(server.port());
  auto by_modified = client.Get(
      "/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Thing:1"
      "?attrs=temperature&timeproperty=modifiedAt");
  ASSERT_EQ(by_modified.status, 200) << by_modified.body;
  EXPECT_EQ(MicrosOf(std::string(
                by_modified.Json().at("temperature").at(0).at("modifiedAt").as_string())),
            modified)
      << by_modified.body;
  EXPECT_EQ(
      Civitas(dir_.path(), {"export", "--data-dir", Data("d1"), "--history", "--from", "soon"})
          .exit_code,
      2);
}

TEST_F(BulkCommandTest, CsvRowsBecomeEntitiesWithHistoryThroughTheMapping) {
  std::ofstream(dir_.path() / "weather.csv")
      << "station,time,lon,lat,t,note\n"
      << "ws-1,2026-01-01T00:00:00Z,7.6,45.0,21.5,\"calm, dry\"\n"
      << "ws-1,2026-01-01T01:00:00Z,7.6,45.0,20.5,\n"
      << "ws-2,2026-01-01T00:00:00Z,7.7,45.1,warm,\n"
      << "ws-3,\"open\n";
  std::ofstream(dir_.path() / "mapping.json")
      << R"({"type":"WeatherObserved","id":"station","observedAt":"time","longitude":"lon",
             "latitude":"lat","attributes":{"t":{"name":"temperature","unitCode":"CEL"},
             "note":{"type":"text"}}})";
  CommandRun without =
      Civitas(dir_.path(), {"import", Data("weather.csv"), "--data-dir", Data("d3")});
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.err.find("pass --mapping"), std::string::npos) << without.err;

  CommandRun run = Civitas(dir_.path(), {"import", Data("weather.csv"), "--mapping",
                                         Data("mapping.json"), "--data-dir", Data("d3")});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("2 accepted, 2 rejected"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("weather.csv:4: column 't': not a number"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("weather.csv:5: field 2: unterminated quote"), std::string::npos)
      << run.err;

  const std::string history = WeatherHistoryCsv("d3");
  ExpectRowsInOrder(history,
                    "urn:ngsi-ld:WeatherObserved:ws-1,WeatherObserved,temperature,,"
                    "2026-01-01T00:00:00Z,21.5,CEL,",
                    "urn:ngsi-ld:WeatherObserved:ws-1,WeatherObserved,temperature,,"
                    "2026-01-01T01:00:00Z,20.5,CEL,");
  EXPECT_NE(history.find(",note,,2026-01-01T00:00:00Z,\"calm, dry\","), std::string::npos)
      << history;

  std::ofstream(dir_.path() / "bad-mapping.json") << R"({"type":"T"})";
  EXPECT_EQ(Civitas(dir_.path(), {"import", Data("weather.csv"), "--mapping",
                                  Data("bad-mapping.json"), "--data-dir", Data("d4")})
                .exit_code,
            2);
}

TEST_F(BulkCommandTest, CsvThroughTheCivitasYamlIngestMapping) {
  std::ofstream(dir_.path() / "civitas.yaml") << R"(ingest:
  mappings:
    - measurement: stations
      type: WeatherObserved
      id: station
      observedAt: time
      attributes:
        t: {name: temperature, unitCode: CEL, type: number}
)";
  std::ofstream(dir_.path() / "stations.csv") << "station,time,t,sky\n"
                                                 "ws 1,2026-01-01T01:00:00Z,20.5,cloudy\n"
                                                 "ws 1,2026-01-01T00:00:00Z,19,clear\n"
                                                 "ws 2,2026-01-01T00:00:00Z,hot,clear\n";
  CommandRun run = Civitas(dir_.path(), {"import", Data("stations.csv"), "--csv", "stations",
                                         "--config", Data("civitas.yaml"), "--data-dir", Data("d5")});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("2 accepted, 1 rejected"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("stations.csv:4: column 't': not a number"), std::string::npos)
      << run.err;
  // Unmapped columns are kept (text, as auto typing finds them); the newest row is the state.
  const std::string history = WeatherHistoryCsv("d5");
  ExpectRowsInOrder(history,
                    "urn:ngsi-ld:WeatherObserved:ws%201,WeatherObserved,temperature,,"
                    "2026-01-01T00:00:00Z,19,CEL,",
                    "urn:ngsi-ld:WeatherObserved:ws%201,WeatherObserved,temperature,,"
                    "2026-01-01T01:00:00Z,20.5,CEL,");
  ServerProcess server(Data("d5"));
  HttpClient client(server.port());
  auto entity = client.Get("/ngsi-ld/v1/entities/urn:ngsi-ld:WeatherObserved:ws%25201?options=keyValues");
  ASSERT_EQ(entity.status, 200) << entity.body;
  EXPECT_EQ(entity.Json().at("temperature"), 20.5);
  EXPECT_EQ(entity.Json().at("sky"), "cloudy");
  CommandRun both = Civitas(dir_.path(), {"import", Data("stations.csv"), "--csv", "stations",
                                          "--mapping", Data("civitas.yaml"), "--data-dir",
                                          Data("d6")});
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
}

// The value with every string that is a broker time replaced by its µs: times compare as
// instants, not text.
boost::json::value WithInstants(const boost::json::value& value) {
  if (const auto* s = value.if_string()) {
    const int64_t us = MicrosOf(std::string(*s));
    return us == -1 ? value : boost::json::value(us);
  }
  if (const auto* a = value.if_array()) {
    boost::json::array out;
    for (const auto& v : *a) out.push_back(WithInstants(v));
    return out;
  }
  if (const auto* o = value.if_object()) {
    boost::json::object out;
    for (const auto& [k, v] : *o) out[k] = WithInstants(v);
    return out;
  }
  return value;
}

// What a server's temporal API answers about an entity: normalized, on the observedAt and on
// the modifiedAt timeline (times as instants).
std::vector<boost::json::value> TemporalAnswers(HttpClient& client, const std::string& id) {
  std::vector<boost::json::value> answers;
  for (const char* query : {"", "?timeproperty=modifiedAt"}) {
    auto r = client.Get(std::string(kApi) + "/temporal/entities/" + id + query);
    EXPECT_EQ(r.status, 200) << id << query << ": " << r.body;
    answers.push_back(WithInstants(r.status == 200 ? r.Json() : boost::json::value()));
  }
  return answers;
}

// A server's history of several entities (numbers with a unitCode, text, a Relationship, a
// GeoProperty, two datasetIds, late and out-of-order observations, a temporal write and an
// entity that only history has, an attribute without observedAt), exported with `civitas
// export` and `civitas export --history`, imported into an empty data dir (entities, then
// history), reads back the same through the temporal API, modifiedAt included, and the entities
// with their system times.
TEST_F(BulkCommandTest, HistoryRestoresWithEntitiesThroughExportAndImport) {
  namespace json = boost::json;
  const std::vector<std::string> ids = {"urn:ngsi-ld:Sensor:1", "urn:ngsi-ld:Sensor:2",
                                        "urn:ngsi-ld:Sensor:gone"};
  auto at = [](int minutes) {
    std::time_t t = 1'767'225'600 + minutes * 60;  // 2026-01-01T00:00:00Z + minutes
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(text);
  };
  auto reading = [&](json::value value, int minutes) {
    json::object p = Prop(std::move(value));
    p["observedAt"] = at(minutes);
    return p;
  };
  std::vector<json::value> original;
  std::vector<json::value> original_entities;  // with their system times
  {
    ServerProcess server(Data("original"));
    HttpClient client(server.port());
    json::object temperature = reading(21.5, 0);
    temperature["unitCode"] = "CEL";
    json::object room = Rel("urn:ngsi-ld:Room:1");
    room["observedAt"] = at(0);
    ASSERT_EQ(client
                  .Post(std::string(kApi) + "/entities", json::object{{"id", ids[0]},
                                                                      {"type", "Sensor"},
                                                                      {"temperature", temperature},
                                                                      {"note", reading("21.5", 0)},
                                                                      {"inRoom", room}})
                  .status,
              201);
    // Later observations, one of them late (observed before the newest), and a Relationship
    // that changes.
    for (auto [value, minutes] :
         {std::pair{22.0, 60}, std::pair{22.75, 120}, std::pair{20.25, 30}}) {
      temperature = reading(value, minutes);
      temperature["unitCode"] = "CEL";
      ASSERT_EQ(
          client.Patch(EntityUrl(ids[0]) + "/attrs", json::object{{"temperature", temperature}})
              .status,
          204);
    }
    room = Rel("urn:ngsi-ld:Room:2");
    room["observedAt"] = at(90);
    ASSERT_EQ(client
                  .Patch(EntityUrl(ids[0]) + "/attrs",
                         json::object{{"inRoom", room}, {"note", reading("calm", 90)}})
                  .status,
              204);
    // An attribute without observedAt: its history is kept at its modifiedAt, and its
    // sub-attribute has system times of its own.
    json::object status = Prop("ok");
    status["reason"] = Prop("commissioned");
    ASSERT_EQ(client.Post(EntityUrl(ids[0]) + "/attrs", json::object{{"status", status}}).status,
              204);
    status = Prop("maintenance");
    status["reason"] = Prop("scheduled");
    ASSERT_EQ(client.Patch(EntityUrl(ids[0]) + "/attrs", json::object{{"status", status}}).status,
              204);
    // An old observation arriving through the temporal API.
    ASSERT_EQ(client
                  .Post(std::string(kApi) + "/temporal/entities/" + ids[0] + "/attrs",
                        json::object{{"temperature", reading(19, -600)}})
                  .status,
              204);

    // Two datasetIds, with several instances each, and a located entity of two types.
    auto dataset = [&](double value, int minutes, const char* id) {
      json::object p = reading(value, minutes);
      if (id != nullptr) p["datasetId"] = id;
      return p;
    };
    json::object location = Geo(Point(7.6, 45.0));
    location["observedAt"] = at(0);
    ASSERT_EQ(client
                  .Post(std::string(kApi) + "/entities",
                        json::object{{"id", ids[1]},
                                     {"type", json::array{"Sensor", "Device"}},
                                     {"location", location},
                                     {"humidity", json::array{dataset(40, 0, nullptr),
                                                              dataset(41, 0, "urn:ngsi-ld:b")}}})
                  .status,
              201);
    for (int minutes : {15, 45, 5}) {
      ASSERT_EQ(
          client
              .Patch(EntityUrl(ids[1]) + "/attrs",
                     json::object{{"humidity", json::array{dataset(40 + minutes, minutes, nullptr),
                                                           dataset(60 - minutes, minutes + 1,
                                                                   "urn:ngsi-ld:b")}}})
              .status,
          204);
    }
    // History of an entity that has no current state.
    ASSERT_EQ(client
                  .Post(std::string(kApi) + "/temporal/entities",
                        json::object{{"id", ids[2]},
                                     {"type", "Sensor"},
                                     {"level", json::array{reading(3, 0), reading(4, 10)}}})
                  .status,
              201);
    for (const auto& id : ids) {
      for (auto& answer : TemporalAnswers(client, id)) original.push_back(std::move(answer));
    }
    for (size_t i = 0; i < 2; ++i) {
      auto r = client.Get(EntityUrl(ids[i]) + "?options=sysAttrs");
      ASSERT_EQ(r.status, 200) << r.body;
      original_entities.push_back(WithInstants(r.Json()));
    }
  }
  ASSERT_EQ(original.size(), 6u);
  ASSERT_EQ(original[0].at("status").as_array().size(), 2u) << original[0];
  ASSERT_EQ(original[0].at("temperature").as_array().size(), 5u) << original[0];
  ASSERT_EQ(original[0].at("inRoom").as_array().size(), 2u) << original[0];
  ASSERT_EQ(original[2].at("humidity").as_array().size(), 8u) << original[2];

  CommandRun entities =
      Civitas(dir_.path(), {"export", "--data-dir", Data("original"), "-o", Data("e.jsonl")});
  ASSERT_EQ(entities.exit_code, 0) << entities.err;
  CommandRun history = Civitas(
      dir_.path(), {"export", "--history", "--data-dir", Data("original"), "-o", Data("h.jsonl")});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  CommandRun imported =
      Civitas(dir_.path(), {"import", Data("e.jsonl"), "--data-dir", Data("restored")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  imported = Civitas(dir_.path(),
                     {"import", "--history", Data("h.jsonl"), "--data-dir", Data("restored")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("22 accepted, 0 rejected"), std::string::npos) << imported.err;

  ServerProcess server(Data("restored"));
  HttpClient client(server.port());
  std::vector<json::value> restored;
  for (const auto& id : ids) {
    for (auto& answer : TemporalAnswers(client, id)) restored.push_back(std::move(answer));
  }
  ASSERT_EQ(restored.size(), original.size());
  for (size_t i = 0; i < original.size(); ++i) {
    EXPECT_EQ(restored[i], original[i]) << ids[i / 2] << (i % 2 ? " by modifiedAt" : "");
  }
  // The entities came from the entity import, with their system times; the one only history
  // had has none.
  for (size_t i = 0; i < 2; ++i) {
    auto r = client.Get(EntityUrl(ids[i]) + "?options=sysAttrs");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(WithInstants(r.Json()), original_entities[i]);
  }
  EXPECT_EQ(client.Get(EntityUrl(ids[2])).status, 404);
}

// A history file from before attributeType was exported, restored beside its entity: a
// Relationship's records take the kind the entity's attribute has, so its history reads as
// Relationship instances (with "object"); a Property's stay Properties.
TEST_F(BulkCommandTest, AnOlderHistoryExportTakesTheKindsOfTheEntitysAttributes) {
  namespace json = boost::json;
  const std::string id = "urn:ngsi-ld:Sensor:1";
  {
    ServerProcess server(Data("d"));
    HttpClient client(server.port());
    json::object room = Rel("urn:ngsi-ld:Room:2");
    room["observedAt"] = "2026-01-01T01:00:00Z";
    json::object level = Prop("high");
    level["observedAt"] = "2026-01-01T01:00:00Z";
    ASSERT_EQ(
        client
            .Post(std::string(kApi) + "/entities",
                  json::object{{"id", id}, {"type", "Sensor"}, {"inRoom", room}, {"level", level}})
            .status,
        201);
  }
  const std::string head = R"({"id":")" + id + R"(","type":"Sensor",)";
  std::ofstream(dir_.path() / "old.jsonl")
      << head << R"("attribute":"inRoom","observedAt":"2026-01-01T00:00:00Z",)"
      << R"("value":"urn:ngsi-ld:Room:1"})"
      << "\n"
      << head << R"("attribute":"level","observedAt":"2026-01-01T00:00:00Z","value":"low"})"
      << "\n";
  CommandRun run =
      Civitas(dir_.path(), {"import", "--history", Data("old.jsonl"), "--data-dir", Data("d")});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  ServerProcess server(Data("d"));
  HttpClient client(server.port());
  auto history = client.Get(std::string(kApi) + "/temporal/entities/" + id);
  ASSERT_EQ(history.status, 200) << history.body;
  const json::value body = history.Json();
  const json::array& rooms = body.at("inRoom").as_array();
  ASSERT_EQ(rooms.size(), 2u) << body;
  for (const auto& instance : rooms) {
    EXPECT_EQ(instance.at("type"), "Relationship") << body;
    EXPECT_TRUE(instance.as_object().contains("object")) << body;
  }
  EXPECT_EQ(rooms[0].at("object"), "urn:ngsi-ld:Room:1") << body;
  const json::array& levels = body.at("level").as_array();
  ASSERT_EQ(levels.size(), 2u) << body;
  EXPECT_EQ(levels[0].at("type"), "Property") << body;
  EXPECT_EQ(levels[0].at("value"), "low") << body;
}

TEST_F(BulkCommandTest, HistoryImportRejectsBadRecordsByLineAndImportsTheRest) {
  const std::string id = "urn:ngsi-ld:Sensor:1";
  const std::string head = R"({"id":")" + id + R"(","type":"Sensor",)";
  std::ofstream(dir_.path() / "h.jsonl")
      // An older export's record: no attributeType, no modifiedAt.
      << head << R"("attribute":"level","observedAt":"2026-01-01T00:00:00Z","value":3})"
      << "\n"
      << head << R"("attribute":"level","observedAt":"yesterday-ish","value":4})"
      << "\n"
      << "\n"
      << head
      << R"("attribute":"level","observedAt":"2026-01-01T01:00:00Z","value":5,"modifiedAt":"later-ish"})"
      << "\n"
      << head << R"("observedAt":"2026-01-01T02:00:00Z","value":6})"
      << "\n"
      << head
      << R"("attribute":"inRoom","attributeType":"Relationship","observedAt":"2026-01-01T00:00:00Z",)"
      << R"("value":"urn:ngsi-ld:Room:1","modifiedAt":"2026-01-02T00:00:00.25Z"})"
      << "\n";
  std::ofstream(dir_.path() / "h.csv") << "id,type,attribute,datasetId,observedAt,value\n";

  // Read as entities by mistake, every record is rejected; the history import of the file is
  // still to do.
  CommandRun as_entities =
      Civitas(dir_.path(), {"import", Data("h.jsonl"), "--data-dir", Data("d")});
  EXPECT_EQ(as_entities.exit_code, 1) << as_entities.err;
  EXPECT_NE(as_entities.err.find("0 accepted, 5 rejected"), std::string::npos) << as_entities.err;

  const int64_t before_import = NowMillisInMicros();
  CommandRun run = Civitas(dir_.path(), {"import", "--history", Data("h.jsonl"), Data("h.csv"),
                                         "--data-dir", Data("d")});
  const int64_t after_import = NowMillisInMicros() + 1000;
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("2 accepted, 3 rejected"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("h.jsonl:2: observedAt must be an ISO 8601 date-time"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("h.jsonl:4: modifiedAt must be an ISO 8601 date-time"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("h.jsonl:5: attribute must name an attribute"), std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("-ish"), std::string::npos) << "reasons never quote the data: " << run.err;
  EXPECT_NE(run.err.find("--history reads JSON Lines"), std::string::npos) << run.err;

  CommandRun exported =
      Civitas(dir_.path(), {"export", "--history", "--data-dir", Data("d"), "--type", "Sensor"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::vector<boost::json::object> records;
  std::stringstream lines(exported.out);
  for (std::string line; std::getline(lines, line);)
    records.push_back(boost::json::parse(line).as_object());
  ASSERT_EQ(records.size(), 2u) << exported.out;
  // The Relationship keeps its kind and modifiedAt.
  EXPECT_EQ(records[0].at("attribute"), "inRoom");
  EXPECT_EQ(records[0].at("attributeType"), "Relationship");
  EXPECT_EQ(records[0].at("value"), "urn:ngsi-ld:Room:1");
  EXPECT_EQ(MicrosOf(std::string(records[0].at("modifiedAt").as_string())),
            MicrosOf("2026-01-02T00:00:00.250Z"));
  // The record without attributeType is a Property; without modifiedAt, written at the import.
  EXPECT_EQ(records[1].at("attribute"), "level");
  EXPECT_FALSE(records[1].contains("attributeType")) << records[1];
  EXPECT_EQ(records[1].at("value"), 3);
  const int64_t modified = MicrosOf(std::string(records[1].at("modifiedAt").as_string()));
  EXPECT_GE(modified, before_import);
  EXPECT_LE(modified, after_import);
  // History only: no current entity was made.
  CommandRun current = Civitas(dir_.path(), {"export", "--data-dir", Data("d")});
  ASSERT_EQ(current.exit_code, 0) << current.err;
  EXPECT_EQ(current.out, "");
}

// Exports before attributeType named only the first of an entity's types: history imported
// after the entities keeps all of them.
TEST_F(BulkCommandTest, HistoryImportKeepsTheTypesOfTheCurrentEntity) {
  std::ofstream(dir_.path() / "e.jsonl")
      << R"({"id":"urn:ngsi-ld:Sensor:1","type":["Sensor","Device"]})"
      << "\n";
  std::ofstream(dir_.path() / "h.jsonl")
      << R"({"id":"urn:ngsi-ld:Sensor:1","type":"Device","attribute":"level",)"
      << R"("observedAt":"2026-01-01T00:00:00Z","value":3})"
      << "\n";
  ASSERT_EQ(Civitas(dir_.path(), {"import", Data("e.jsonl"), "--data-dir", Data("d")}).exit_code,
            0);
  ASSERT_EQ(Civitas(dir_.path(), {"import", "--history", Data("h.jsonl"), "--data-dir", Data("d")})
                .exit_code,
            0);
  CommandRun exported = Civitas(dir_.path(), {"export", "--history", "--data-dir", Data("d")});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(boost::json::parse(exported.out).at("type"), (boost::json::array{"Device", "Sensor"}))
      << exported.out;
}

}  // namespace
}  // namespace civitas::testing
