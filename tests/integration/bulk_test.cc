// `civitas import` and `civitas export` as a user runs them: the real binary on temp data dirs,
// files written by the test (plain, gzip, directories), round trips export → import → export,
// malformed rows, resumption, and a store held by a running server.

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
  const size_t first = history.find(
      "urn:ngsi-ld:WeatherObserved:ws-1,WeatherObserved,temperature,,"
      "2026-01-01T00:00:00Z,21.5,CEL,");
  const size_t second = history.find(
      "urn:ngsi-ld:WeatherObserved:ws-1,WeatherObserved,temperature,,"
      "2026-01-01T01:00:00Z,20.5,CEL,");
  EXPECT_NE(first, std::string::npos) << history;
  EXPECT_NE(second, std::string::npos) << history;
  EXPECT_LT(first, second) << history;
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
  const size_t first = history.find(
      "urn:ngsi-ld:WeatherObserved:ws%201,WeatherObserved,temperature,,"
      "2026-01-01T00:00:00Z,19,CEL,");
  const size_t second = history.find(
      "urn:ngsi-ld:WeatherObserved:ws%201,WeatherObserved,temperature,,"
      "2026-01-01T01:00:00Z,20.5,CEL,");
  EXPECT_NE(first, std::string::npos) << history;
  EXPECT_NE(second, std::string::npos) << history;
  EXPECT_LT(first, second) << history;
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

}  // namespace
}  // namespace civitas::testing
