// The InfluxDB line protocol grammar: escapes, quoting, field types, timestamps and precisions,
// comments and blank lines, duplicates, and the errors of malformed lines.

#include "civitas/ingest/line_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace civitas::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'700'000'123'456'789'012;  // ns; not a whole second

struct Parsed {
  Status status;
  LpPoint point;
};

Parsed Parse(std::string_view line, LpPrecision precision = LpPrecision::kNanoseconds) {
  static std::vector<std::unique_ptr<LpParser>> parsers;  // keep views valid for the test
  parsers.push_back(std::make_unique<LpParser>(precision, kNow));
  Parsed out;
  out.status = parsers.back()->ParseLine(line, 7, out.point);
  return out;
}

LpPoint Ok(std::string_view line, LpPrecision precision = LpPrecision::kNanoseconds) {
  Parsed p = Parse(line, precision);
  EXPECT_TRUE(p.status.ok()) << p.status.message() << " for: " << line;
  return p.point;
}

void ExpectError(std::string_view line, std::string_view message) {
  Parsed p = Parse(line);
  ASSERT_FALSE(p.status.ok()) << line;
  EXPECT_EQ(p.status.code(), StatusCode::kBadRequestData);
  EXPECT_THAT(p.status.message(), HasSubstr(std::string(message))) << line;
  EXPECT_THAT(p.status.message(), HasSubstr("line 7, column ")) << line;
}

std::vector<std::string> Lines(std::string_view body, std::vector<int64_t>* numbers = nullptr) {
  LpLineReader reader(body);
  std::vector<std::string> out;
  std::string_view line;
  while (reader.Next(line)) {
    out.emplace_back(line);
    if (numbers != nullptr) numbers->push_back(reader.line_number());
  }
  return out;
}

LpField Float(std::string_view key, double v) {
  return LpField{.key = key, .type = LpFieldType::kFloat, .float_value = v};
}

TEST(LineProtocolTest, ParsesMeasurementTagsFieldsAndTimestamp) {
  LpPoint p =
      Ok("weather,location=us-midwest,season=summer temperature=82,humidity=71.5 "
         "1465839830100400200");
  EXPECT_EQ(p.measurement, "weather");
  EXPECT_EQ(p.tags, (std::vector<LpTag>{{"location", "us-midwest"}, {"season", "summer"}}));
  EXPECT_EQ(p.fields, (std::vector<LpField>{Float("temperature", 82), Float("humidity", 71.5)}));
  EXPECT_TRUE(p.has_timestamp);
  EXPECT_EQ(p.timestamp_ns, 1465839830100400200);
}

TEST(LineProtocolTest, FieldTypes) {
  LpPoint p = Ok(R"(m f=-1.5e3,i=-42i,u=42u,s="hello world",b=t,n=1)");
  ASSERT_EQ(p.fields.size(), 6u);
  EXPECT_EQ(p.fields[0], Float("f", -1500));
  EXPECT_EQ(p.fields[1].type, LpFieldType::kInteger);
  EXPECT_EQ(p.fields[1].int_value, -42);
  EXPECT_EQ(p.fields[2].type, LpFieldType::kUnsigned);
  EXPECT_EQ(p.fields[2].uint_value, 42u);
  EXPECT_EQ(p.fields[3].type, LpFieldType::kString);
  EXPECT_EQ(p.fields[3].string_value, "hello world");
  EXPECT_EQ(p.fields[4].type, LpFieldType::kBoolean);
  EXPECT_TRUE(p.fields[4].bool_value);
  EXPECT_EQ(p.fields[5], Float("n", 1));  // no suffix: a float, as in InfluxDB
}

TEST(LineProtocolTest, EveryBooleanSpelling) {
  for (const char* yes : {"t", "T", "true", "True", "TRUE"}) {
    LpPoint p = Ok(std::string("m b=") + yes);
    EXPECT_EQ(p.fields[0].type, LpFieldType::kBoolean) << yes;
    EXPECT_TRUE(p.fields[0].bool_value) << yes;
  }
  for (const char* no : {"f", "F", "false", "False", "FALSE"}) {
    LpPoint p = Ok(std::string("m b=") + no);
    EXPECT_EQ(p.fields[0].type, LpFieldType::kBoolean) << no;
    EXPECT_FALSE(p.fields[0].bool_value) << no;
  }
  ExpectError("m b=tRUE", "invalid boolean");
  ExpectError("m b=yes", "invalid field value");
}

TEST(LineProtocolTest, FloatSyntax) {
  EXPECT_EQ(Ok("m f=.5").fields[0], Float("f", 0.5));
  EXPECT_EQ(Ok("m f=5.").fields[0], Float("f", 5));
  EXPECT_EQ(Ok("m f=-0.25E-2").fields[0], Float("f", -0.0025));
  EXPECT_EQ(Ok("m f=1e+20").fields[0], Float("f", 1e20));
  EXPECT_EQ(Ok("m f=1e-400").fields[0], Float("f", 0));  // underflow rounds to zero
  ExpectError("m f=1e400", "float out of range");
  ExpectError("m f=+1", "invalid field value");
  ExpectError("m f=1.2.3", "invalid field value");
  ExpectError("m f=1e", "invalid field value");
  ExpectError("m f=0x10", "invalid field value");
  ExpectError("m f=-", "invalid field value");
}

TEST(LineProtocolTest, NanAndInfinityAreRejectedAsInInfluxDb) {
  for (const char* v : {"NaN", "nan", "Inf", "inf", "-inf", "+Inf", "Infinity"}) {
    Parsed p = Parse(std::string("m f=") + v);
    EXPECT_FALSE(p.status.ok()) << v;
  }
}

TEST(LineProtocolTest, IntegerAndUnsignedRanges) {
  EXPECT_EQ(Ok("m i=9223372036854775807i").fields[0].int_value, INT64_MAX);
  EXPECT_EQ(Ok("m i=-9223372036854775808i").fields[0].int_value, INT64_MIN);
  EXPECT_EQ(Ok("m u=18446744073709551615u").fields[0].uint_value, UINT64_MAX);
  EXPECT_EQ(Ok("m u=0u").fields[0].uint_value, 0u);
  ExpectError("m i=9223372036854775808i", "integer out of range");
  ExpectError("m i=-9223372036854775809i", "integer out of range");
  ExpectError("m u=18446744073709551616u", "unsigned integer out of range");
  ExpectError("m u=-1u", "invalid unsigned integer");
  ExpectError("m i=1.5i", "invalid integer");
  ExpectError("m i=i", "invalid integer");
  ExpectError("m u=1e3u", "invalid unsigned integer");
}

TEST(LineProtocolTest, EscapesInMeasurementTagsAndFieldKeys) {
  LpPoint p = Ok(R"(my\ weather\,station,tag\ key\=1=tag\,value\ x\=y field\ key\,k\=v=1)");
  EXPECT_EQ(p.measurement, "my weather,station");
  EXPECT_EQ(p.tags, (std::vector<LpTag>{{"tag key=1", "tag,value x=y"}}));
  EXPECT_EQ(p.fields[0].key, "field key,k=v");
  // '=' needs no escape in a measurement; a backslash before other characters is literal.
  LpPoint q = Ok(R"(a=b\c,t=C:\temp f=1)");
  EXPECT_EQ(q.measurement, R"(a=b\c)");
  EXPECT_EQ(q.tags[0].value, R"(C:\temp)");
  // Two backslashes read as one (InfluxDB's reference table: \\ → \, \\\ → \\).
  EXPECT_EQ(Ok(R"(m,t=a\\ f=1)").tags[0].value, R"(a\)");
  EXPECT_EQ(Ok(R"(m,t=a\\\  f=1)").tags[0].value, R"(a\ )");
  EXPECT_EQ(Ok(R"(m\\\\x f=1)").measurement, R"(m\\x)");
}

TEST(LineProtocolTest, ViewsPointIntoTheLineUnlessEscaped) {
  const std::string line = "cpu,host=a usage=1";
  LpParser parser(LpPrecision::kNanoseconds, kNow);
  LpPoint p;
  ASSERT_TRUE(parser.ParseLine(line, 1, p).ok());
  EXPECT_EQ(p.measurement.data(), line.data());
  EXPECT_EQ(p.tags[0].value.data(), line.data() + 9);
}

TEST(LineProtocolTest, QuotedStringsWithSpacesCommasEqualsAndEscapes) {
  LpPoint p = Ok(R"(m s="a b, c=d",e="say \"hi\"",bs="C:\\dir\x",empty="" 10)");
  EXPECT_EQ(p.fields[0].string_value, "a b, c=d");
  EXPECT_EQ(p.fields[1].string_value, R"(say "hi")");
  EXPECT_EQ(p.fields[2].string_value, R"(C:\dir\x)");
  EXPECT_EQ(p.fields[3].string_value, "");
  EXPECT_EQ(p.fields[3].type, LpFieldType::kString);
  EXPECT_EQ(p.timestamp_ns, 10);
  ExpectError(R"(m s="open)", "unterminated string value");
  ExpectError(R"(m s="a\")", "unterminated string value");
  ExpectError(R"(m s="a"b)", "text after a string value");
}

TEST(LineProtocolTest, MissingTimestampTakesTheServerTimeInThePrecision) {
  LpPoint ns = Ok("m f=1");
  EXPECT_FALSE(ns.has_timestamp);
  EXPECT_EQ(ns.timestamp_ns, kNow);
  EXPECT_EQ(Ok("m f=1", LpPrecision::kMicroseconds).timestamp_ns, kNow / 1000 * 1000);
  EXPECT_EQ(Ok("m f=1", LpPrecision::kSeconds).timestamp_ns, kNow / 1'000'000'000 * 1'000'000'000);
  EXPECT_EQ(Ok("m f=1", LpPrecision::kHours).timestamp_ns,
            kNow / 3'600'000'000'000 * 3'600'000'000'000);
}

TEST(LineProtocolTest, EveryPrecision) {
  struct Case {
    const char* name;
    int64_t ns;
  };
  for (const Case& c :
       {Case{"ns", 5}, Case{"n", 5}, Case{"us", 5'000}, Case{"u", 5'000}, Case{"ms", 5'000'000},
        Case{"s", 5'000'000'000}, Case{"m", 300'000'000'000}, Case{"h", 18'000'000'000'000}}) {
    auto precision = ParseLpPrecision(c.name);
    ASSERT_TRUE(precision.has_value()) << c.name;
    EXPECT_EQ(Ok("m f=1 5", *precision).timestamp_ns, c.ns) << c.name;
    EXPECT_EQ(Ok("m f=1 -5", *precision).timestamp_ns, -c.ns) << c.name;
  }
  EXPECT_FALSE(ParseLpPrecision("sec").has_value());
  EXPECT_FALSE(ParseLpPrecision("").has_value());
}

TEST(LineProtocolTest, NegativeAndHugeTimestamps) {
  EXPECT_EQ(Ok("m f=1 -1").timestamp_ns, -1);
  EXPECT_EQ(Ok("m f=1 9223372036854775806").timestamp_ns, kLpMaxTimeNs);
  EXPECT_EQ(Ok("m f=1 -9223372036854775806").timestamp_ns, kLpMinTimeNs);
  ExpectError("m f=1 9223372036854775807", "timestamp out of range");
  ExpectError("m f=1 -9223372036854775807", "timestamp out of range");
  ExpectError("m f=1 99999999999999999999", "timestamp out of range");
  Parsed s = Parse("m f=1 9223372037", LpPrecision::kSeconds);  // * 1e9 overflows
  EXPECT_THAT(s.status.message(), HasSubstr("timestamp out of range"));
  EXPECT_EQ(Ok("m f=1 9223372036", LpPrecision::kSeconds).timestamp_ns, 9223372036000000000);
  ExpectError("m f=1 12.5", "invalid timestamp");
  ExpectError("m f=1 2024-01-01T00:00:00Z", "invalid timestamp");
  ExpectError("m f=1 1 2", "text after the timestamp");
}

TEST(LineProtocolTest, DuplicateFieldsLastWinsDuplicateTagsRejected) {
  LpPoint p = Ok("m a=1,b=2,a=3");
  EXPECT_EQ(p.fields, (std::vector<LpField>{Float("a", 3), Float("b", 2)}));
  ExpectError("m,t=1,t=2 a=1", "duplicate tag key");
}

TEST(LineProtocolTest, MalformedLines) {
  ExpectError(",t=1 f=1", "missing measurement");
  ExpectError("m", "missing fields");
  ExpectError("m,t=1", "missing fields");
  ExpectError("m,=1 f=1", "missing tag key");
  ExpectError("m,t f=1", "missing tag value");
  ExpectError("m,t= f=1", "missing tag value");
  ExpectError("m,t=a=b f=1", "unescaped '=' in a tag value");
  ExpectError("m, f=1", "missing tag key");
  ExpectError("m f", "missing field value");
  ExpectError("m f=", "missing field value");
  ExpectError("m =1", "missing field key");
  ExpectError("m f=1,", "missing field key");
  ExpectError("m f=1,,g=2", "missing field key");
}

TEST(LineProtocolTest, ErrorsNeverQuoteTheLine) {
  Parsed p = Parse("secret-mac-00:11:22:33:44:55,user=alice@example.org temp=hot");
  ASSERT_FALSE(p.status.ok());
  EXPECT_THAT(p.status.message(), Not(HasSubstr("alice")));
  EXPECT_THAT(p.status.message(), Not(HasSubstr("00:11")));
  EXPECT_THAT(p.status.message(), Not(HasSubstr("hot")));
  EXPECT_EQ(p.status.message(), "line 7, column 58: invalid field value");
}

TEST(LineProtocolTest, SeveralSpacesAndTabsBetweenSections) {
  LpPoint p = Ok("m,t=1  \t f=1 \t 20");
  EXPECT_EQ(p.tags.size(), 1u);
  EXPECT_EQ(p.fields[0], Float("f", 1));
  EXPECT_EQ(p.timestamp_ns, 20);
}

TEST(LineProtocolTest, LineReaderSkipsBlankLinesAndCommentsAndTrims) {
  std::vector<int64_t> numbers;
  auto lines = Lines("# a comment\n\n  m f=1 1\r\n\t\r\n  # indented comment\nm f=2", &numbers);
  EXPECT_EQ(lines, (std::vector<std::string>{"m f=1 1", "m f=2"}));
  EXPECT_EQ(numbers, (std::vector<int64_t>{3, 6}));
  EXPECT_TRUE(Lines("").empty());
  EXPECT_TRUE(Lines("\n\n# only comments \"x=\n").empty());
}

TEST(LineProtocolTest, StringValuesMayHoldLineBreaks) {
  std::vector<int64_t> numbers;
  auto lines = Lines("m s=\"two\nlines\",x=1 1\nm y=\"a\\\"\nb\" 2\nm z=3", &numbers);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "m s=\"two\nlines\",x=1 1");
  EXPECT_EQ(lines[1], "m y=\"a\\\"\nb\" 2");
  EXPECT_EQ(numbers, (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(Ok(lines[0]).fields[0].string_value, "two\nlines");
  EXPECT_EQ(Ok(lines[1]).fields[0].string_value, "a\"\nb");
  // Quotes in a tag value or a field key open no string.
  EXPECT_EQ(Lines("m,t=\"x f=1\nm g=2").size(), 2u);
  EXPECT_EQ(Lines("m f=1,k\"=2\nm g=2").size(), 2u);
}

TEST(LineProtocolTest, FormatRoundTrips) {
  for (const char* line :
       {R"(my\ m\,x,t\ k\=1=v\,a\ l\=u\\e f\=k="s \"q\" \\ \n",i=-3i,u=4u,b=false,f=1.25 -12)",
        "m f=1", "m,a=b f=1e-300,g=123456789.125 1700000000000000000", "m s=\"multi\nline\" 5"}) {
    LpPoint first = Ok(line);
    std::string formatted;
    FormatLpPoint(first, formatted);
    std::vector<std::string> lines = Lines(formatted);
    ASSERT_EQ(lines.size(), 1u) << formatted;
    EXPECT_EQ(Ok(lines[0]), first) << formatted;
  }
}

}  // namespace
}  // namespace civitas::ingest
