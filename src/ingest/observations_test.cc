// Line protocol points through the ingest mappings: entity ids (declared tags, the `id` tag,
// the series key), types, tags as Properties, fields as observed attributes, location, and how
// a request's samples merge into the entity and its history.

#include "civitas/ingest/observations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/ingest/contexts_test_fixture.h"

namespace civitas::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kSecond = 1'000'000'000;

class ObservationsTest : public ContextsTest {
 protected:
  void SetUp() override {
    ContextsTest::SetUp();
    IngestMappingConfig aq;
    aq.measurement = "aq";
    aq.type = "AirQualityObserved";
    aq.id = {"sensor"};
    aq.longitude = "lon";
    aq.latitude = "lat";
    aq.attributes["pm25"] = {.unit_code = "GQ"};
    aq.attributes["temp"] = {.name = "temperature", .unit_code = "CEL"};
    IngestMappingConfig cpu;
    cpu.measurement = "cpu";
    cpu.id = {"host", "cpu"};
    cpu.id_prefix = "urn:ngsi-ld:Host:";
    cpu.keep_unmapped = false;
    cpu.attributes["usage_idle"] = {.name = "idle"};
    auto compiled = IngestMappings::Compile({.mappings = {aq, cpu}}, core_);
    ASSERT_TRUE(compiled.ok()) << compiled.status().message();
    mappings_ = *compiled;
  }

  // Parses and adds every line of `body` (precision s); the first error, if any.
  Status AddBody(ObservationBatch& batch, std::string_view body) {
    LpLineReader reader(body);
    std::string_view line;
    LpPoint point;
    Status first;
    while (reader.Next(line)) {
      Status s = parser_.ParseLine(line, reader.line_number(), point);
      if (s.ok()) s = batch.AddPoint(point, reader.line_number());
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  }

  std::string Iri(std::string_view term) const { return core_->ExpandTerm(term); }

  model::Entity Apply(ObservationBatch& batch, const std::string& id,
                      std::vector<store::TemporalInstance>* history = nullptr) {
    EntityObservations* obs = batch.Find(id);
    EXPECT_NE(obs, nullptr) << id;
    model::Entity entity;
    if (obs == nullptr) return entity;
    auto h = ApplyObservations(*obs, entity, false, Clock::System().Now());
    if (history != nullptr) *history = std::move(h);
    return entity;
  }

  std::shared_ptr<const IngestMappings> mappings_;
  LpParser parser_{LpPrecision::kSeconds, 0};
};

TEST_F(ObservationsTest, DeclaredMappingNamesTypeIdAttributesAndLocation) {
  ObservationBatch batch(*mappings_);
  ASSERT_TRUE(AddBody(batch,
                      "aq,sensor=s1,district=north,lon=2.15,lat=41.39 pm25=12.5,temp=18i,no2=31 "
                      "1700000000")
                  .ok());
  EXPECT_EQ(batch.Ids(), std::vector<std::string>{"urn:ngsi-ld:AirQualityObserved:s1"});
  model::Entity e = Apply(batch, "urn:ngsi-ld:AirQualityObserved:s1");
  EXPECT_EQ(e.types, std::vector<std::string>{Iri("AirQualityObserved")});
  const model::Attribute* pm25 = e.Find(Iri("pm25"));
  ASSERT_NE(pm25, nullptr);
  EXPECT_EQ(pm25->value, 12.5);
  EXPECT_EQ(pm25->unit_code, "GQ");
  EXPECT_EQ(FormatTimestamp(*pm25->observed_at), "2023-11-14T22:13:20Z");
  const model::Attribute* temp = e.Find(Iri("temperature"));
  ASSERT_NE(temp, nullptr);
  EXPECT_TRUE(temp->value.is_int64());
  EXPECT_EQ(temp->unit_code, "CEL");
  EXPECT_NE(e.Find(Iri("no2")), nullptr) << "unmapped fields are kept";
  const model::Attribute* district = e.Find(Iri("district"));
  ASSERT_NE(district, nullptr);
  EXPECT_EQ(district->value, "north");
  EXPECT_FALSE(district->observed_at.has_value()) << "tags are plain Properties";
  EXPECT_EQ(e.Find(Iri("sensor")), nullptr) << "the id tag is not a Property";
  const model::Attribute* location = e.Find(model::iri::kLocation);
  ASSERT_NE(location, nullptr);
  EXPECT_EQ(location->kind, model::AttributeKind::kGeoProperty);
  EXPECT_EQ(location->value.at("coordinates").as_array()[0], 2.15);
  EXPECT_EQ(e.Find(Iri("lon")), nullptr);
}

TEST_F(ObservationsTest, SeveralIdTagsAndDroppedFields) {
  ObservationBatch batch(*mappings_);
  ASSERT_TRUE(AddBody(batch,
                      "cpu,cpu=cpu0,host=web01 usage_idle=97.5,usage_user=1.5 10\n"
                      "cpu,cpu=cpu1,host=web01 usage_idle=90 10")
                  .ok());
  EXPECT_EQ(batch.Ids(), (std::vector<std::string>{"urn:ngsi-ld:Host:web01:cpu0",
                                                   "urn:ngsi-ld:Host:web01:cpu1"}));
  model::Entity e = Apply(batch, "urn:ngsi-ld:Host:web01:cpu0");
  EXPECT_EQ(e.types, std::vector<std::string>{Iri("cpu")});
  EXPECT_NE(e.Find(Iri("idle")), nullptr);
  EXPECT_EQ(e.Find(Iri("usage_user")), nullptr) << "unmapped: drop";
}

TEST_F(ObservationsTest, DefaultIdIsTheIdTagElseEveryTagInKeyOrder) {
  ObservationBatch batch(*mappings_);
  ASSERT_TRUE(AddBody(batch,
                      "room,id=r1,floor=2 t=20 1\n"
                      "disk,path=/var\\ log,host=h1,device=sda1 free=5i 1\n"
                      "mem,host=h1 used_percent=41 1")
                  .ok());
  EXPECT_EQ(batch.Ids(), (std::vector<std::string>{"urn:ngsi-ld:disk:sda1:h1:/var%20log",
                                                   "urn:ngsi-ld:mem:h1", "urn:ngsi-ld:room:r1"}));
  model::Entity room = Apply(batch, "urn:ngsi-ld:room:r1");
  EXPECT_EQ(room.Find(Iri("floor"))->value, "2");
  EXPECT_EQ(room.Find(Iri("id")), nullptr);
  model::Entity disk = Apply(batch, "urn:ngsi-ld:disk:sda1:h1:/var%20log");
  EXPECT_EQ(disk.Find(Iri("host")), nullptr) << "tags in the id are not Properties";
  EXPECT_TRUE(disk.Find(Iri("free"))->value.is_int64());
}

TEST_F(ObservationsTest, NewestSampleIsTheStateTheOthersGoToHistory) {
  ObservationBatch batch(*mappings_);
  ASSERT_TRUE(AddBody(batch,
                      "aq,sensor=s1 pm25=3 30\n"
                      "aq,sensor=s1 pm25=1 10\n"
                      "aq,sensor=s1 pm25=2 20,no2=7 20\n"
                      "aq,sensor=s1 pm25=9 20\n")
                  .code() == StatusCode::kBadRequestData);
  // Line 3 is malformed ("20,no2=7" is not a timestamp); line 4 repeats time 20: it wins.
  std::vector<store::TemporalInstance> history;
  model::Entity e = Apply(batch, "urn:ngsi-ld:AirQualityObserved:s1", &history);
  EXPECT_EQ(e.Find(Iri("pm25"))->value, 3.0);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].timestamp_us, 10'000'000);
  EXPECT_EQ(history[0].number, 1);
  EXPECT_EQ(history[1].timestamp_us, 20'000'000);
  EXPECT_EQ(history[1].number, 9);
  EXPECT_EQ(history[1].unit_code, "GQ");
  // Written with the entity: at its modifiedAt.
  ASSERT_TRUE(history[1].modified_at_us.has_value());
  EXPECT_EQ(*history[1].modified_at_us,
            e.Find(Iri("pm25"))->modified_at->time_since_epoch().count());
}

TEST_F(ObservationsTest, AnExistingNewerObservationIsKept) {
  ObservationBatch batch(*mappings_);
  ASSERT_TRUE(
      AddBody(batch, "aq,sensor=s1,district=south pm25=5 100\naq,sensor=s1 no2=4 100").ok());
  model::Entity e;
  e.id = "urn:ngsi-ld:AirQualityObserved:s1";
  e.types = {Iri("AirQualityObserved")};
  model::Attribute newer;
  newer.name = Iri("pm25");
  newer.value = 50;
  newer.observed_at = Timestamp(std::chrono::seconds(200));
  e.attributes.push_back(newer);
  auto history = ApplyObservations(*batch.Find(e.id), e, /*exists=*/true, Clock::System().Now());
  EXPECT_EQ(e.Find(Iri("pm25"))->value, 50);
  EXPECT_EQ(e.Find(Iri("no2"))->value, 4.0);
  EXPECT_EQ(e.Find(Iri("district"))->value, "south");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].attr, Iri("pm25"));
  EXPECT_EQ(history[0].number, 5);
}

TEST_F(ObservationsTest, PointsThatCannotBeMappedAreRejectedWholeWithoutTheirText) {
  struct Bad {
    const char* line;
    const char* reason;
  } bad[] = {
      {"aq,district=x pm25=1", "no tag 'sensor'"},
      {"mqtt s=1", "no tags to make the entity id of"},
      {"aq,sensor=s1 bad(name)=1", "field 1: its name is not a valid NGSI-LD name"},
      {"aq,sensor=s1 createdAt=1", "field 1"},
      {"aq,sensor=s1 location=1", "reserved by NGSI-LD"},
      {"aq,sensor=s1,type=x pm25=1", "tag 2: its name is reserved"},
      {"aq,sensor=s1,lon=2 pm25=1", "a longitude without a latitude"},
      {"aq,sensor=s1,lon=200,lat=1 pm25=1", "out of range"},
      {"aq,sensor=s1,lon=east,lat=1 pm25=1", "tag 2: a coordinate that is not a number"},
      {"bad(type),id=1 v=1", "the measurement (the type) is not a valid NGSI-LD name"},
  };
  for (const Bad& b : bad) {
    ObservationBatch batch(*mappings_);
    Status s = AddBody(batch, b.line);
    ASSERT_FALSE(s.ok()) << b.line;
    EXPECT_THAT(s.message(), HasSubstr(b.reason)) << b.line;
    EXPECT_THAT(s.message(), HasSubstr("line 1")) << b.line;
    EXPECT_THAT(s.message(), Not(HasSubstr("bad("))) << b.line;
    EXPECT_THAT(s.message(), Not(HasSubstr("east"))) << b.line;
    EXPECT_EQ(batch.entity_count(), 0u) << b.line;
    EXPECT_EQ(batch.accepted(), 0) << b.line;
  }
}

TEST_F(ObservationsTest, LatestTagValueWinsAndTimestampsBefore1970Floor) {
  ObservationBatch batch(*mappings_);
  LpParser ns(LpPrecision::kNanoseconds, 0);
  LpLineReader reader("room,id=r,state=new t=1 -1500\nroom,id=r,state=old t=2 -3000\n");
  std::string_view line;
  LpPoint point;
  while (reader.Next(line)) {
    ASSERT_TRUE(ns.ParseLine(line, reader.line_number(), point).ok());
    ASSERT_TRUE(batch.AddPoint(point, reader.line_number()).ok());
  }
  std::vector<store::TemporalInstance> history;
  model::Entity e = Apply(batch, "urn:ngsi-ld:room:r", &history);
  EXPECT_EQ(e.Find(Iri("state"))->value, "new");
  EXPECT_EQ(e.Find(Iri("t"))->observed_at->time_since_epoch().count(), -2);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].timestamp_us, -3);
}

TEST(EntityIdTest, AppendIdPartEncodesWhatUrisCannotHold) {
  std::string id = "urn:x:";
  AppendIdPart(id, "a b%c<d>\"{|}\\^`\x01é");
  EXPECT_EQ(id, "urn:x:a%20b%25c%3Cd%3E%22%7B%7C%7D%5C%5E%60%01é");
}

}  // namespace
}  // namespace civitas::ingest
