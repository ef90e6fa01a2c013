// JSON-LD contexts: Link header and in-body @context expansion, unknown remote
// contexts, hosted contexts (/jsonldContexts) across restarts, and the official
// Smart Data Models examples posted as application/ld+json and read back.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

constexpr const char *kEnvironment =
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/"
    "master/context.jsonld";
constexpr const char *kAqoIri =
    "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved";

// JSON equality with numbers compared by value (1.0 == 1).
bool SameJson(const json::value &a, const json::value &b) {
  if (a.is_number() && b.is_number())
    return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind())
    return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameJson(x[i], y[i]))
        return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size())
      return false;
    for (const auto &[k, v] : x) {
      const auto *w = y.if_contains(k);
      if (w == nullptr || !SameJson(v, *w))
        return false;
    }
    return true;
  }
  return a == b;
}

// A date-time with a zero fraction dropped ("...:16.000Z" and "...:16Z" are one
// instant).
std::string CanonicalDateTime(std::string text) {
  size_t dot = text.find('.');
  if (dot == std::string::npos)
    return text;
  size_t end = dot + 1;
  while (end < text.size() && text[end] == '0')
    ++end;
  if (end < text.size() && !std::isdigit(static_cast<unsigned char>(text[end])))
    text.erase(dot, end - dot);
  return text;
}

class ContextsTest : public BrokerTest {};

json::object Aqo(const std::string &id) {
  return json::object{
      {"id", id}, {"type", "AirQualityObserved"}, {"no2", Prop(42)}};
}

TEST_F(ContextsTest, LinkHeaderExpandsTerms) {
  const std::string id = "urn:ngsi-ld:AirQualityObserved:1";
  Create(Aqo(id), {{"Link", LinkTo(kEnvironment)}});
  // With the context: compact names.
  auto with = Fetch(id, "", {{"Link", LinkTo(kEnvironment)}});
  EXPECT_EQ(with.at("type").as_string(), "AirQualityObserved");
  EXPECT_TRUE(with.contains("no2"));
  // Without it: the expanded IRIs.
  auto without = Fetch(id);
  EXPECT_EQ(without.at("type").as_string(), kAqoIri);
  EXPECT_FALSE(without.contains("no2"));
  EXPECT_TRUE(
      without.contains("https://smartdatamodels.org/dataModel.Environment/no2"))
      << without;

  // A query by the short name only finds it under the same context.
  EXPECT_EQ(
      Ids(Query("type=AirQualityObserved", {{"Link", LinkTo(kEnvironment)}})),
      std::vector<std::string>{id});
  EXPECT_TRUE(Query("type=AirQualityObserved").empty());
  EXPECT_EQ(Ids(Query("type=" + std::string(kAqoIri))),
            std::vector<std::string>{id});
  EXPECT_EQ(Ids(Query("q=no2==42", {{"Link", LinkTo(kEnvironment)}})),
            std::vector<std::string>{id});
  EXPECT_TRUE(Query("q=no2==42").empty());

  // The same short names without the context name different
  // (default-vocabulary) terms.
  Create(Aqo("urn:ngsi-ld:AirQualityObserved:2"));
  auto plain = Fetch("urn:ngsi-ld:AirQualityObserved:2", "",
                     {{"Link", LinkTo(kEnvironment)}});
  // The default vocabulary's IRI, compacted to a full IRI or a CURIE, but not
  // the short name.
  std::string plain_type(plain.at("type").as_string());
  EXPECT_NE(plain_type, "AirQualityObserved");
  EXPECT_TRUE(plain_type.ends_with("default-context/AirQualityObserved"))
      << plain_type;
  auto with_response =
      http().Get(EntityUrl(id), {{"Link", LinkTo(kEnvironment)}});
  EXPECT_NE(with_response.Header("link").find(kEnvironment), std::string::npos);
}

TEST_F(ContextsTest, ContextInBodyWithLdJson) {
  json::object e = Aqo("urn:ngsi-ld:AirQualityObserved:ld");
  e["@context"] = json::array{kEnvironment};
  auto r =
      http().Send("POST", std::string(kApi) + "/entities", json::serialize(e),
                  {{"Content-Type", "application/ld+json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Fetch("urn:ngsi-ld:AirQualityObserved:ld").at("type").as_string(),
            kAqoIri);
  auto ld = http().Get(
      EntityUrl("urn:ngsi-ld:AirQualityObserved:ld"),
      {{"Accept", "application/ld+json"}, {"Link", LinkTo(kEnvironment)}});
  ASSERT_EQ(ld.status, 200);
  auto body = ld.Json().as_object();
  EXPECT_EQ(body.at("type").as_string(), "AirQualityObserved");
  EXPECT_NE(json::serialize(body.at("@context")).find(kEnvironment),
            std::string::npos);

  // ld+json needs @context in the body, and forbids a Link header.
  EXPECT_TRUE(IsProblem(
      http().Send("POST", std::string(kApi) + "/entities",
                  json::serialize(Aqo("urn:ngsi-ld:AirQualityObserved:x")),
                  {{"Content-Type", "application/ld+json"}}),
      400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Send("POST", std::string(kApi) + "/entities",
                                    json::serialize(e),
                                    {{"Content-Type", "application/ld+json"},
                                     {"Link", LinkTo(kEnvironment)}}),
                        400, "BadRequestData"));
  // application/json with an @context member is refused.
  EXPECT_TRUE(IsProblem(http().Post(std::string(kApi) + "/entities", e), 400,
                        "BadRequestData"));
}

TEST_F(ContextsTest, UnknownRemoteContextIs503) {
  const std::string missing = "https://example.invalid/contexts/unknown.jsonld";
  EXPECT_TRUE(IsProblem(http().Post(std::string(kApi) + "/entities",
                                    Aqo("urn:ngsi-ld:X:1"),
                                    {{"Link", LinkTo(missing)}}),
                        503, "LdContextNotAvailable"));
  json::object e = Aqo("urn:ngsi-ld:X:1");
  e["@context"] = missing;
  EXPECT_TRUE(IsProblem(http().Send("POST", std::string(kApi) + "/entities",
                                    json::serialize(e),
                                    {{"Content-Type", "application/ld+json"}}),
                        503, "LdContextNotAvailable"));
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/entities?type=X",
                                   {{"Link", LinkTo(missing)}}),
                        503, "LdContextNotAvailable"));
  EXPECT_TRUE(
      IsProblem(http().Post(std::string(kApi) + "/entityOperations/upsert",
                            json::array{Aqo("urn:ngsi-ld:X:1")},
                            {{"Link", LinkTo(missing)}}),
                503, "LdContextNotAvailable"));
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:X:1")).status, 404);
}

TEST_F(ContextsTest, HostedContextsLifecycleAndRestart) {
  json::object document{{"@context",
                         {{"Thermometer", "https://example.org/ns/Thermometer"},
                          {"reading", "https://example.org/ns/reading"}}}};
  auto added = http().Post(std::string(kApi) + "/jsonldContexts", document);
  ASSERT_EQ(added.status, 201) << added.body;
  std::string location = added.Header("location");
  ASSERT_EQ(location.rfind("/ngsi-ld/v1/jsonldContexts/", 0), 0u) << location;
  std::string context_id =
      location.substr(std::string("/ngsi-ld/v1/jsonldContexts/").size());
  std::string url = "urn:ngsi-ld:jsonldContext:" + context_id;

  auto list = http().Get(std::string(kApi) + "/jsonldContexts");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(url), std::string::npos);
  auto served = http().Get(location);
  ASSERT_EQ(served.status, 200);
  EXPECT_TRUE(SameJson(served.Json(), document));

  // Use it in a Link header.
  Create(json::object{{"id", "urn:ngsi-ld:Thermometer:1"},
                      {"type", "Thermometer"},
                      {"reading", Prop(7)}},
         {{"Link", LinkTo(url)}});
  auto plain = Fetch("urn:ngsi-ld:Thermometer:1");
  EXPECT_EQ(plain.at("type").as_string(), "https://example.org/ns/Thermometer");
  EXPECT_TRUE(plain.contains("https://example.org/ns/reading"));

  Restart();
  auto again = Fetch("urn:ngsi-ld:Thermometer:1", "", {{"Link", LinkTo(url)}});
  EXPECT_EQ(again.at("type").as_string(), "Thermometer");
  EXPECT_EQ(again.at("reading").at("value").as_int64(), 7);
  EXPECT_EQ(http().Get(location).status, 200);

  EXPECT_EQ(http().Delete(location).status, 204);
  EXPECT_TRUE(IsProblem(http().Get(location), 404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Delete(location), 404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Get(EntityUrl("urn:ngsi-ld:Thermometer:1"),
                                   {{"Link", LinkTo(url)}}),
                        503, "LdContextNotAvailable"));
  Restart();
  EXPECT_TRUE(IsProblem(http().Get(location), 404, "ResourceNotFound"));

  // Malformed documents.
  EXPECT_TRUE(IsProblem(http().Post(std::string(kApi) + "/jsonldContexts",
                                    json::object{{"a", 1}}),
                        400, "BadRequestData"));
  EXPECT_EQ(
      http()
          .Post(std::string(kApi) + "/jsonldContexts",
                json::object{{"@context", "https://example.invalid/x.jsonld"}})
          .status,
      503);
  // Bundled contexts cannot be deleted.
  EXPECT_EQ(http().Delete(std::string(kApi) + "/jsonldContexts/" + kEnvironment)
                    .status /
                100,
            4);
}

std::string ReadFile(const std::filesystem::path &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(ContextsTest, SmartDataModelsExamplesRoundTrip) {
  std::filesystem::path root =
      std::filesystem::path(CIVITAS_SOURCE_DIR) / "contexts/smart-data-models";
  int loaded = 0;
  for (const auto &repo : std::filesystem::directory_iterator(root)) {
    if (!repo.is_directory())
      continue;
    for (const auto &model : std::filesystem::directory_iterator(repo.path())) {
      auto file = model.path() / "example-normalized.jsonld";
      if (!std::filesystem::exists(file))
        continue;
      SCOPED_TRACE(file.string());
      std::string text = ReadFile(file);
      auto example = json::parse(text).as_object();
      auto r = http().Send("POST", std::string(kApi) + "/entities", text,
                           {{"Content-Type", "application/ld+json"}});
      std::string id(example.at("id").as_string());
      if (id.find(':') == std::string::npos) {
        // Some official examples (AccessPoint: "ap_542") have ids that are not
        // URIs, which NGSI-LD requires.
        EXPECT_TRUE(IsProblem(r, 400, "BadRequestData"));
        ++loaded;
        continue;
      }
      ASSERT_EQ(r.status, 201) << r.body;
      ++loaded;
      // Read back under the model's own context (its last, non-core URL).
      const auto &ctx = example.at("@context");
      std::string sdm = ctx.is_string()
                            ? std::string(ctx.as_string())
                            : std::string(ctx.as_array().back().as_string());
      auto got = Fetch(id, "", {{"Link", LinkTo(sdm)}});
      EXPECT_TRUE(SameJson(got.at("type"), example.at("type")))
          << got.at("type");
      for (const auto &[name, attr] : example) {
        // System attributes in the input are ignored (the broker keeps its
        // own).
        if (name == "@context" || name == "id" || name == "type" ||
            name == "createdAt" || name == "modifiedAt") {
          continue;
        }
        ASSERT_TRUE(got.contains(name)) << name << " missing in " << got;
        const auto &want = attr.as_object();
        const auto &have = got.at(name).as_object();
        EXPECT_EQ(have.at("type"), want.at("type")) << name;
        for (const char *member :
             {"value", "object", "unitCode", "observedAt"}) {
          if (want.contains(member)) {
            ASSERT_TRUE(have.contains(member)) << name << "." << member;
            if (std::string_view(member) == "observedAt") {
              EXPECT_EQ(
                  CanonicalDateTime(std::string(have.at(member).as_string())),
                  CanonicalDateTime(std::string(want.at(member).as_string())))
                  << name;
              continue;
            }
            EXPECT_TRUE(SameJson(have.at(member), want.at(member)))
                << name << "." << member << ": " << have.at(member) << " vs "
                << want.at(member);
          }
        }
      }
      // The same entity as application/ld+json carries the @context it was
      // asked with.
      auto ld = http().Get(EntityUrl(id), {{"Accept", "application/ld+json"},
                                           {"Link", LinkTo(sdm)}});
      EXPECT_EQ(ld.status, 200);
      EXPECT_NE(json::serialize(ld.Json().at("@context")).find(sdm),
                std::string::npos);
    }
  }
  EXPECT_GE(loaded, 17);
}

} // namespace
} // namespace civitas::testing
