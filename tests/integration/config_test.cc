// civitas.yaml: a valid file is taken, an invalid one stops the server before it opens the store.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "harness.h"

namespace civitas::testing {
namespace {

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::pair<int, std::string> ServeUntilExit(const std::filesystem::path& data_dir,
                                           const std::filesystem::path& config) {
  return RunCivitas("serve --http 127.0.0.1:0 --data-dir " + data_dir.string() + " --config " +
                    config.string());
}

TEST(ConfigTest, InvalidRetentionStopsTheServerWithTheReason) {
  TempDir dir;
  WriteFile(dir.path() / "civitas.yaml",
            "retention:\n  rules:\n    - {type: AirQualityObserved, raw: 30d, hourly: 7d}\n");
  auto [status, output] = ServeUntilExit(dir.path() / "data", dir.path() / "civitas.yaml");
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("retention.rules[0].hourly"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data" / "CURRENT"));  // store not opened
}

TEST(ConfigTest, UnknownContextOrMissingFileIsAnError) {
  TempDir dir;
  WriteFile(dir.path() / "civitas.yaml",
            "retention:\n  context: https://city.example/unknown.jsonld\n  rules:\n"
            "    - {type: Thing, raw: 1d}\n");
  auto [status, output] = ServeUntilExit(dir.path() / "data", dir.path() / "civitas.yaml");
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("https://city.example/unknown.jsonld"), std::string::npos) << output;

  auto [missing_status, missing_output] =
      ServeUntilExit(dir.path() / "data", dir.path() / "absent.yaml");
  EXPECT_EQ(missing_status, 2);
  EXPECT_NE(missing_output.find("absent.yaml"), std::string::npos) << missing_output;
}

TEST(ConfigTest, ValidRetentionServes) {
  TempDir dir;
  WriteFile(dir.path() / "civitas.yaml",
            "retention:\n"
            "  context: https://smart-data-models.github.io/dataModel.Environment/context.jsonld\n"
            "  rules:\n"
            "    - {type: AirQualityObserved, raw: 30d, hourly: 10y}\n"
            "    - {type: \"*\", raw: 400d}\n");
  ServerProcess server(dir.path() / "data", {"--config", (dir.path() / "civitas.yaml").string()});
  HttpClient http(server.port());
  EXPECT_EQ(http.Get("/readyz").status, 200);
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace civitas::testing
