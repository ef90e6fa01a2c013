#include "civitas/model/context.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace civitas::model {
namespace {

namespace json = boost::json;

constexpr std::string_view kEnvironmentUrl =
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/"
    "context.jsonld";
constexpr std::string_view kEnvironmentPagesUrl =
    "https://smart-data-models.github.io/dataModel.Environment/context.jsonld";
constexpr std::string_view kNgsiLd = "https://uri.etsi.org/ngsi-ld/";
constexpr std::string_view kDefaultVocab = "https://uri.etsi.org/ngsi-ld/default-context/";
constexpr std::string_view kSdmEnvironment = "https://smartdatamodels.org/dataModel.Environment/";

json::value Parse(std::string_view text) { return json::parse(text); }

std::string Cat(std::string_view a, std::string_view b) { return std::string(a) + std::string(b); }

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<ContextStore>> opened = OpenContextStore("");
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
  }

  std::shared_ptr<const Context> MustResolve(const json::value& context) {
    Result<std::shared_ptr<const Context>> resolved = store_->Resolve(context);
    EXPECT_TRUE(resolved.ok()) << resolved.status().message();
    return resolved.ok() ? *resolved : store_->Core();
  }
  std::shared_ptr<const Context> MustResolveText(std::string_view text) {
    return MustResolve(Parse(text));
  }

  std::unique_ptr<ContextStore> store_;
};

TEST_F(ContextTest, CoreExpandsNgsiLdTerms) {
  auto core = store_->Core();
  EXPECT_EQ(core->ExpandTerm("location"), Cat(kNgsiLd, "location"));
  EXPECT_EQ(core->ExpandTerm("observedAt"), Cat(kNgsiLd, "observedAt"));
  EXPECT_EQ(core->ExpandTerm("Property"), Cat(kNgsiLd, "Property"));
  EXPECT_EQ(core->ExpandTerm("Relationship"), Cat(kNgsiLd, "Relationship"));
  EXPECT_EQ(core->ExpandTerm("object"), Cat(kNgsiLd, "hasObject"));
  EXPECT_EQ(core->ExpandTerm("Point"), "https://purl.org/geojson/vocab#Point");
  EXPECT_EQ(core->ExpandTerm("id"), "@id");
  EXPECT_EQ(core->ExpandTerm("type"), "@type");
  EXPECT_EQ(core->ExpandTerm("@context"), "@context");
}

TEST_F(ContextTest, CoreExpandsUndefinedTermsUnderDefaultVocab) {
  auto core = store_->Core();
  EXPECT_EQ(core->ExpandTerm("temperature"), Cat(kDefaultVocab, "temperature"));
  EXPECT_EQ(core->ExpandTerm("NO2"), Cat(kDefaultVocab, "NO2"));
  EXPECT_EQ(core->CompactIri(Cat(kDefaultVocab, "temperature")), "temperature");
}

TEST_F(ContextTest, CoreSourceIsTheCoreUrl) {
  EXPECT_EQ(store_->Core()->Source(), json::value(json::string(kCoreContextUrl)));
}

TEST_F(ContextTest, ResolvingNothingOrTheCoreUrlGivesTheCoreContext) {
  EXPECT_EQ(MustResolve(json::value()), store_->Core());
  EXPECT_EQ(MustResolve(json::value(json::string(kCoreContextUrl))), store_->Core());
}

TEST_F(ContextTest, TermTypeReportsCoercions) {
  auto core = store_->Core();
  EXPECT_EQ(core->TermType(Cat(kNgsiLd, "observedAt")), Cat(kNgsiLd, "DateTime"));
  EXPECT_EQ(core->TermType(Cat(kNgsiLd, "hasObject")), "@id");
  EXPECT_EQ(core->TermType(Cat(kNgsiLd, "hasJSON")), "@json");
  EXPECT_EQ(core->TermType(Cat(kNgsiLd, "location")), std::nullopt);
  EXPECT_EQ(core->TermType("http://nowhere/x"), std::nullopt);
}

TEST_F(ContextTest, SmartDataModelsEnvironmentContextByUrl) {
  auto ctx = MustResolve(json::value(json::string(kEnvironmentUrl)));
  EXPECT_EQ(ctx->ExpandTerm("no2"), Cat(kSdmEnvironment, "no2"));
  EXPECT_EQ(ctx->ExpandTerm("temperature"), Cat(kSdmEnvironment, "temperature"));
  EXPECT_EQ(ctx->ExpandTerm("AirQualityObserved"), Cat(kSdmEnvironment, "AirQualityObserved"));
  EXPECT_EQ(ctx->ExpandTerm("name"), "https://smartdatamodels.org/name");
  // Terms it does not define keep the default vocabulary; the core's terms stay the core's.
  EXPECT_EQ(ctx->ExpandTerm("NO2"), Cat(kDefaultVocab, "NO2"));
  EXPECT_EQ(ctx->ExpandTerm("location"), Cat(kNgsiLd, "location"));
  EXPECT_EQ(ctx->ExpandTerm("observedAt"), Cat(kNgsiLd, "observedAt"));
  EXPECT_EQ(ctx->CompactIri(Cat(kSdmEnvironment, "no2")), "no2");
  EXPECT_EQ(ctx->Source(), json::value(json::string(kEnvironmentUrl)));
}

TEST_F(ContextTest, SmartDataModelsContextsAnswerAtBothUrls) {
  auto raw = MustResolve(json::value(json::string(kEnvironmentUrl)));
  auto pages = MustResolve(json::value(json::string(kEnvironmentPagesUrl)));
  EXPECT_EQ(pages->ExpandTerm("no2"), raw->ExpandTerm("no2"));
  // The exact @context array of the bundled WeatherObserved example.
  auto weather = MustResolveText(R"([
      "https://smart-data-models.github.io/dataModel.Weather/context.jsonld",
      "https://raw.githubusercontent.com/smart-data-models/dataModel.Weather/master/context.jsonld"
  ])");
  EXPECT_EQ(weather->ExpandTerm("WeatherObserved"),
            "https://smartdatamodels.org/dataModel.Weather/WeatherObserved");
}

TEST_F(ContextTest, ExamplePayloadContextWithCoreUrlResolves) {
  // As in the bundled Smart Data Models examples: the SDM context, then the unversioned core.
  auto ctx = MustResolveText(R"([
      "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld",
      "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
  ])");
  EXPECT_EQ(ctx->ExpandTerm("no2"), Cat(kSdmEnvironment, "no2"));
  EXPECT_EQ(ctx->ExpandTerm("Property"), Cat(kNgsiLd, "Property"));
}

TEST_F(ContextTest, EveryBundledContextResolves) {
  std::vector<ContextStore::HostedContext> all = store_->List();
  std::set<std::string> urls;
  for (const auto& c : all) {
    EXPECT_EQ(c.kind, "Cached");
    urls.insert(c.url);
    Result<std::shared_ptr<const Context>> resolved = store_->Resolve(json::string(c.url));
    EXPECT_TRUE(resolved.ok()) << c.url << ": " << resolved.status().message();
  }
  // 4 core files + the unversioned core URL + 14 Smart Data Models repos at two URLs each.
  EXPECT_EQ(all.size(), 4u + 1u + 2u * 14u);
  EXPECT_TRUE(urls.contains("https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"));
  EXPECT_TRUE(urls.contains("https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.3.jsonld"));
  EXPECT_TRUE(urls.contains(std::string(kCoreContextUrl)));
}

TEST_F(ContextTest, CompactIrisWithDefinedPrefixes) {
  auto ctx = MustResolveText(R"({"ex": "http://example.org/ns#"})");
  EXPECT_EQ(ctx->ExpandTerm("ex:speed"), "http://example.org/ns#speed");
  EXPECT_EQ(ctx->CompactIri("http://example.org/ns#speed"), "ex:speed");
  EXPECT_EQ(ctx->ExpandTerm("ngsi-ld:whatever"), Cat(kNgsiLd, "whatever"));
  EXPECT_EQ(ctx->CompactIri(Cat(kNgsiLd, "whatever")), "ngsi-ld:whatever");
}

TEST_F(ContextTest, TermsUsedInTermDefinitionsResolveInAnyOrder) {
  auto ctx =
      MustResolveText(R"({"speed": "ex:speed", "unit": {"@id": "ex:unit", "@type": "ex:Unit"},
                             "ex": "http://example.org/"})");
  EXPECT_EQ(ctx->ExpandTerm("speed"), "http://example.org/speed");
  EXPECT_EQ(ctx->TermType("http://example.org/unit"), "http://example.org/Unit");
}

TEST_F(ContextTest, PrefixFlagDecidesWhetherATermIsAPrefix) {
  auto ctx = MustResolveText(R"({"ns": {"@id": "http://example.org/ns", "@prefix": true},
                             "nope": "http://example.org/nope",
                             "off": {"@id": "http://example.org/off/", "@prefix": false}})");
  EXPECT_EQ(ctx->ExpandTerm("ns:x"), "http://example.org/nsx");
  // A term whose IRI does not end in a gen-delim is not a prefix: "nope:x" is an absolute IRI.
  EXPECT_EQ(ctx->ExpandTerm("nope:x"), "nope:x");
  EXPECT_EQ(ctx->ExpandTerm("off:x"), "off:x");
  EXPECT_EQ(ctx->CompactIri("http://example.org/nsx"), "ns:x");
}

TEST_F(ContextTest, AbsoluteIrisExpandToThemselves) {
  auto core = store_->Core();
  EXPECT_EQ(core->ExpandTerm("urn:ngsi-ld:Thing:1"), "urn:ngsi-ld:Thing:1");
  EXPECT_EQ(core->ExpandTerm("https://example.org/a"), "https://example.org/a");
  EXPECT_EQ(core->ExpandTerm("_:b0"), "_:b0");
  EXPECT_EQ(core->CompactIri("https://example.org/a"), "https://example.org/a");
  EXPECT_EQ(core->CompactIri("urn:x"), "urn:x");
}

TEST_F(ContextTest, RequestVocabReplacesTheDefault) {
  auto ctx = MustResolveText(R"({"@vocab": "http://vocab.example/"})");
  EXPECT_EQ(ctx->ExpandTerm("speed"), "http://vocab.example/speed");
  EXPECT_EQ(ctx->CompactIri("http://vocab.example/speed"), "speed");
  EXPECT_EQ(ctx->ExpandTerm("location"), Cat(kNgsiLd, "location"));
  // A compact IRI works as @vocab too, with a prefix from an earlier context (JSON-LD processes
  // @vocab before the term definitions beside it).
  auto curie = MustResolveText(R"([{"ex": "http://example.org/"}, {"@vocab": "ex:v/"}])");
  EXPECT_EQ(curie->ExpandTerm("speed"), "http://example.org/v/speed");
}

TEST_F(ContextTest, RequestVocabUnderACorePrefixExpandsAsIfTheCoreCameFirst) {
  // Kept verbatim, "ngsi-ld:x/" would be a vocabulary that reads back as a compact IRI once the
  // core defines the prefix: "" expanded to it, and compacted, came back as something else.
  const std::string core(kCoreContextUrl);
  for (const std::string& text : {std::string(R"({"@vocab": "ngsi-ld:x/"})"),
                                  R"([")" + core + R"(", {"@vocab": "ngsi-ld:x/"}])"}) {
    auto ctx = MustResolveText(text);
    EXPECT_EQ(ctx->ExpandTerm("speed"), Cat(kNgsiLd, "x/speed")) << text;
    EXPECT_EQ(ctx->CompactIri(Cat(kNgsiLd, "x/speed")), "speed") << text;
    std::string vocab = ctx->ExpandTerm("");
    EXPECT_EQ(vocab, Cat(kNgsiLd, "x/")) << text;
    EXPECT_EQ(ctx->ExpandTerm(ctx->CompactIri(vocab)), vocab) << text;
  }
}

// JSON-LD expands @vocab before the terms beside it, so "ex:" stays "ex:" here, and "speed" would
// become "ex:speed", which reads back as the compact IRI http://example.org/speed; the request's
// own terms do not re-expand it (only the core's prefixes do). Rejected, with what to write.
TEST_F(ContextTest, VocabThatReadsBackAsSomethingElseIsRejected) {
  for (std::string_view text : {R"({"@vocab": "ex:", "ex": "http://example.org/"})",
                                R"({"@vocab": "urn:v:", "urn:v:": "@type"})"}) {
    Result<std::shared_ptr<const Context>> r = store_->Resolve(Parse(text));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequestData) << text;
    EXPECT_NE(r.status().message().find("write it as a full IRI"), std::string::npos);
  }
  auto full = MustResolveText(R"({"@vocab": "http://example.org/", "ex": "http://example.org/"})");
  EXPECT_EQ(full->ExpandTerm("speed"), "http://example.org/speed");
}

TEST_F(ContextTest, LaterContextsOverrideEarlierOnes) {
  std::string env(kEnvironmentUrl);
  auto mine_last =
      MustResolveText(R"([")" + env + R"(", {"temperature": "http://mine.example/temperature"}])");
  EXPECT_EQ(mine_last->ExpandTerm("temperature"), "http://mine.example/temperature");
  auto sdm_last =
      MustResolveText(R"([{"temperature": "http://mine.example/temperature"}, ")" + env + R"("])");
  EXPECT_EQ(sdm_last->ExpandTerm("temperature"), Cat(kSdmEnvironment, "temperature"));
}

TEST_F(ContextTest, CoreTermsCannotBeRedefined) {
  auto ctx = MustResolveText(R"({"location": "http://evil.example/location",
                             "Property": "http://evil.example/Property"})");
  EXPECT_EQ(ctx->ExpandTerm("location"), Cat(kNgsiLd, "location"));
  EXPECT_EQ(ctx->ExpandTerm("Property"), Cat(kNgsiLd, "Property"));
}

TEST_F(ContextTest, NullResetsEarlierContexts) {
  auto ctx = MustResolveText(R"([{"a": "http://a.example/a", "@vocab": "http://v.example/"}, null,
                             {"b": "http://b.example/b"}])");
  EXPECT_EQ(ctx->ExpandTerm("a"), Cat(kDefaultVocab, "a"));
  EXPECT_EQ(ctx->ExpandTerm("b"), "http://b.example/b");
  auto undefined = MustResolveText(R"([{"a": "http://a.example/a"}, {"a": null}])");
  EXPECT_EQ(undefined->ExpandTerm("a"), Cat(kDefaultVocab, "a"));
}

TEST_F(ContextTest, IgnoresScopedContextsAndOtherDecorations) {
  auto ctx = MustResolveText(R"({"@version": 1.1, "@protected": true, "@base": null,
      "a": {"@id": "http://x.example/a", "@context": {"b": "http://x.example/b"},
            "@container": ["@set", "@index"], "@protected": false, "@language": "en"},
      "@foo": "ignored", "k": "@foo"})");
  EXPECT_EQ(ctx->ExpandTerm("a"), "http://x.example/a");
  EXPECT_EQ(ctx->ExpandTerm("b"), Cat(kDefaultVocab, "b"));
  EXPECT_EQ(ctx->ExpandTerm("k"), Cat(kDefaultVocab, "k"));
}

TEST_F(ContextTest, KeywordsAndAliases) {
  auto ctx = MustResolveText(R"({"identifier": "@id"})");
  EXPECT_EQ(ctx->ExpandTerm("identifier"), "@id");
  EXPECT_EQ(ctx->ExpandTerm("@type"), "@type");
  EXPECT_EQ(ctx->CompactIri("@id"), "id");  // the shortest alias
  EXPECT_EQ(ctx->CompactIri("@type"), "type");
}

TEST_F(ContextTest, CompactionPrefersTheShortestThenFirstTerm) {
  auto ctx = MustResolveText(R"({"dd": "http://x.example/y", "c": "http://x.example/y",
                             "b": "http://x.example/y", "bbb": "http://x.example/y"})");
  EXPECT_EQ(ctx->CompactIri("http://x.example/y"), "b");
}

TEST_F(ContextTest, CompactionUsesTheLongestPrefix) {
  auto ctx = MustResolveText(R"({"ex": "http://x.example/", "exa": "http://x.example/a/"})");
  EXPECT_EQ(ctx->CompactIri("http://x.example/a/b"), "exa:b");
  EXPECT_EQ(ctx->CompactIri("http://x.example/b"), "ex:b");
}

TEST_F(ContextTest, CompactionAvoidsSuffixesThatAreOtherTerms) {
  // "temperature" means something else here, so the default-vocabulary IRI cannot compact to it.
  auto ctx = MustResolveText(R"({"temperature": "http://mine.example/t"})");
  std::string iri = Cat(kDefaultVocab, "temperature");
  std::string compacted = ctx->CompactIri(iri);
  EXPECT_NE(compacted, "temperature");
  EXPECT_EQ(ctx->ExpandTerm(compacted), iri);
  // A compact IRI that is itself defined as a term is not used for other IRIs either.
  auto clash = MustResolveText(R"({"ex": "http://x.example/", "ex:a": "http://y.example/other"})");
  EXPECT_EQ(clash->ExpandTerm(clash->CompactIri("http://x.example/a")), "http://x.example/a");
}

TEST_F(ContextTest, CompactionRoundTripsEveryTerm) {
  std::vector<std::string> names = {"location",
                                    "observedAt",
                                    "no2",
                                    "temperature",
                                    "NO2",
                                    "ngsi-ld:x",
                                    "geojson:y",
                                    "urn:a:b",
                                    "http://q.example/r",
                                    "",
                                    "a/b",
                                    "x:y",
                                    "default-context/z",
                                    "Point",
                                    "_:b1"};
  for (const auto& c : store_->List()) {
    auto ctx = MustResolve(json::value(json::string(c.url)));
    const json::value& inner = c.document.as_object().at("@context");
    std::vector<std::string> all = names;
    if (inner.is_object()) {
      for (const auto& member : inner.as_object()) all.emplace_back(member.key());
    }
    for (const std::string& term : all) {
      std::string iri = ctx->ExpandTerm(term);
      EXPECT_EQ(ctx->ExpandTerm(ctx->CompactIri(iri)), iri) << c.url << " term " << term;
    }
  }
}

TEST_F(ContextTest, UnknownUrlIsNotAvailable) {
  Result<std::shared_ptr<const Context>> r =
      store_->Resolve(json::string("https://example.org/nowhere.jsonld"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLdContextNotAvailable);
  EXPECT_NE(r.status().message().find("https://example.org/nowhere.jsonld"), std::string::npos);
  EXPECT_NE(r.status().message().find("--context-dir"), std::string::npos);
  EXPECT_NE(r.status().message().find("/ngsi-ld/v1/jsonldContexts"), std::string::npos);
  // Inside an array, too.
  r = store_->Resolve(Parse(R"([{"a": "http://a.example/"}, "https://example.org/x"])"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLdContextNotAvailable);
}

TEST_F(ContextTest, MalformedContextsAreBadRequestData) {
  for (std::string_view text : {
           R"(42)",
           R"(true)",
           R"([[{}]])",
           R"({"a": 5})",
           R"({"a": {"@id": 5}})",
           R"({"a": {"@id": "http://x/", "@type": 1}})",
           R"({"a": {"@id": "http://x/", "@container": {}}})",
           R"({"a": {"@id": "http://x/", "@prefix": "yes"}})",
           R"({"a": "b", "b": "a"})",
           R"({"@version": 1.0})",
           R"({"@vocab": 5})",
           R"({"@vocab": "@id"})",
           R"({"@import": "http://x/"})",
           R"({"": "http://x/"})",
           R"({"@protected": "yes"})",
       }) {
    Result<std::shared_ptr<const Context>> r = store_->Resolve(Parse(text));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequestData) << text;
    EXPECT_FALSE(r.status().message().empty());
  }
}

TEST_F(ContextTest, ResolvedContextsAreCached) {
  std::string env(kEnvironmentUrl);
  auto first = MustResolveText(R"([")" + env + R"(", {"a": "http://a.example/"}])");
  auto second = MustResolveText(R"([")" + env + R"(", {"a": "http://a.example/"}])");
  auto other = MustResolveText(R"([")" + env + R"(", {"a": "http://b.example/"}])");
  EXPECT_EQ(first.get(), second.get());
  EXPECT_NE(first.get(), other.get());
  EXPECT_EQ(MustResolve(json::value(json::string(env))).get(),
            MustResolve(json::value(json::string(env))).get());
}

TEST_F(ContextTest, SourceIsTheRequestContext) {
  json::value request = Parse(
      R"([{"a": "http://a.example/"}, "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"])");
  EXPECT_EQ(MustResolve(request)->Source(), request);
}

TEST_F(ContextTest, ConcurrentResolvesShareOneContext) {
  std::vector<std::thread> threads;
  std::vector<const Context*> seen(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = store_->Resolve(json::string(kEnvironmentUrl));
        if (r.ok() && i == 49) seen[t] = r->get();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Context* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_NE(seen[0], nullptr);
}

// A request body lives in an arena that dies with the request (api/request_scope.cc): what the
// store keeps from it, shared by every thread, must be its own copy.
TEST_F(ContextTest, KeptContextsDoNotShareTheCallersStorage) {
  json::storage_ptr arena = json::make_shared_resource<json::monotonic_resource>();
  json::value context = json::parse(R"({"speed": "http://arena.example/speed"})", arena);
  auto resolved = MustResolve(context);
  EXPECT_EQ(resolved->Source(), context);
  EXPECT_NE(resolved->Source().storage().get(), arena.get());

  json::value document =
      json::parse(R"({"@context": {"flow": "http://arena.example/flow"}})", arena);
  ASSERT_TRUE(store_->Add(document).ok());
  for (const auto& hosted : store_->List()) {
    EXPECT_NE(hosted.document.storage().get(), arena.get()) << hosted.url;
  }
}

TEST_F(ContextTest, HostedContextsCanBeAddedResolvedAndRemoved) {
  json::value document = Parse(R"({"@context": {"speed": "http://hosted.example/speed"}})");
  Result<ContextStore::HostedContext> added = store_->Add(document);
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->kind, "Hosted");
  EXPECT_EQ(added->url, "urn:ngsi-ld:jsonldContext:" + added->id);
  EXPECT_EQ(added->document, document);

  Result<ContextStore::HostedContext> by_id = store_->Get(added->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->url, added->url);
  Result<ContextStore::HostedContext> by_url = store_->Get(added->url);
  ASSERT_TRUE(by_url.ok());
  EXPECT_EQ(by_url->id, added->id);
  int hosted = 0;
  for (const auto& c : store_->List()) hosted += c.kind == "Hosted" ? 1 : 0;
  EXPECT_EQ(hosted, 1);

  // A later request can cite it by URL.
  auto ctx = MustResolve(json::value(json::string(added->url)));
  EXPECT_EQ(ctx->ExpandTerm("speed"), "http://hosted.example/speed");
  // Adding the same document again gives the same entry.
  Result<ContextStore::HostedContext> again = store_->Add(document);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, added->id);

  EXPECT_TRUE(store_->Remove(added->id).ok());
  EXPECT_EQ(store_->Get(added->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Remove(added->url).code(), StatusCode::kNotFound);
  // The cached resolution went with it.
  EXPECT_EQ(store_->Resolve(json::string(added->url)).status().code(),
            StatusCode::kLdContextNotAvailable);
}

TEST_F(ContextTest, HostedContextsCanCiteOtherContexts) {
  Result<ContextStore::HostedContext> added = store_->Add(Parse(
      R"({"@context": [")" + std::string(kEnvironmentUrl) + R"(", {"x": "http://x.example/"}]})"));
  ASSERT_TRUE(added.ok()) << added.status().message();
  auto ctx = MustResolve(json::value(json::string(added->url)));
  EXPECT_EQ(ctx->ExpandTerm("no2"), Cat(kSdmEnvironment, "no2"));
  EXPECT_EQ(ctx->ExpandTerm("x:y"), "http://x.example/y");
}

TEST_F(ContextTest, InvalidHostedContextsAreRejected) {
  EXPECT_EQ(store_->Add(Parse(R"({"context": {}})")).status().code(), StatusCode::kBadRequestData);
  EXPECT_EQ(store_->Add(Parse(R"([1])")).status().code(), StatusCode::kBadRequestData);
  EXPECT_EQ(store_->Add(Parse(R"({"@context": {"a": 1}})")).status().code(),
            StatusCode::kBadRequestData);
  EXPECT_EQ(store_->Add(Parse(R"({"@context": "http://unknown.example/c"})")).status().code(),
            StatusCode::kLdContextNotAvailable);
  EXPECT_EQ(store_->Get("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(ContextTest, BundledContextsCannotBeRemoved) {
  EXPECT_EQ(store_->Remove(kCoreContextUrl).code(), StatusCode::kBadRequestData);
  EXPECT_TRUE(store_->Get(kCoreContextUrl).ok());
}

// --context-dir -------------------------------------------------------------------------------

class ContextDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("civitas_context_dir_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, std::string_view text) { std::ofstream(dir_ / name) << text; }

  std::filesystem::path dir_;
};

TEST_F(ContextDirTest, ServesFilesAtMappedUrlsOrFileUrls) {
  Write("city.jsonld", R"({"@context": {"bin": "http://city.example/bin"}})");
  Write("other.json", R"({"@context": {"tree": "http://city.example/tree"}})");
  Write("ignored.txt", "not json");
  Write("urls.json", R"({"https://city.example/context.jsonld": "city.jsonld"})");
  Result<std::unique_ptr<ContextStore>> opened = OpenContextStore(dir_.string());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  ContextStore& store = **opened;

  auto city = store.Resolve(json::string("https://city.example/context.jsonld"));
  ASSERT_TRUE(city.ok()) << city.status().message();
  EXPECT_EQ((*city)->ExpandTerm("bin"), "http://city.example/bin");
  auto other = store.Resolve(json::string("file://" + (dir_ / "other.json").string()));
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_EQ((*other)->ExpandTerm("tree"), "http://city.example/tree");
  EXPECT_EQ(store.Get("https://city.example/context.jsonld")->kind, "Cached");
  EXPECT_EQ(store.Remove("https://city.example/context.jsonld").code(),
            StatusCode::kBadRequestData);
}

TEST_F(ContextDirTest, MissingDirIsAnIoError) {
  EXPECT_EQ(OpenContextStore((dir_ / "absent").string()).status().code(), StatusCode::kIoError);
}

TEST_F(ContextDirTest, InvalidFilesAreBadRequestData) {
  Write("broken.jsonld", R"({"@context": {)");
  Result<std::unique_ptr<ContextStore>> opened = OpenContextStore(dir_.string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kBadRequestData);
  EXPECT_NE(opened.status().message().find("broken.jsonld"), std::string::npos);
}

TEST_F(ContextDirTest, UrlsJsonMustNameExistingFiles) {
  Write("a.jsonld", R"({"@context": {}})");
  Write("urls.json", R"({"https://x.example/": "missing.jsonld"})");
  EXPECT_EQ(OpenContextStore(dir_.string()).status().code(), StatusCode::kBadRequestData);
}

TEST_F(ContextDirTest, UnknownCitedUrlsNameTheCitingDocument) {
  Write("a.jsonld", R"({"@context": ["https://x.example/missing", {"a": "http://x.example/a"}]})");
  Write("urls.json", R"({"https://x.example/a": "a.jsonld"})");
  Result<std::unique_ptr<ContextStore>> opened = OpenContextStore(dir_.string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kLdContextNotAvailable);
  EXPECT_NE(opened.status().message().find("https://x.example/missing"), std::string::npos);
  EXPECT_NE(opened.status().message().find("cited by https://x.example/a"), std::string::npos);
  EXPECT_NE(opened.status().message().find("a.jsonld"), std::string::npos);
}

TEST_F(ContextDirTest, ReferenceLoopsAreRejected) {
  Write("a.jsonld", R"({"@context": ["https://x.example/b", {"a": "http://x.example/a"}]})");
  Write("b.jsonld", R"({"@context": "https://x.example/a"})");
  Write("urls.json", R"({"https://x.example/a": "a.jsonld", "https://x.example/b": "b.jsonld"})");
  Result<std::unique_ptr<ContextStore>> opened = OpenContextStore(dir_.string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kBadRequestData);
  EXPECT_NE(opened.status().message().find("loop"), std::string::npos);
}

}  // namespace
}  // namespace civitas::model
