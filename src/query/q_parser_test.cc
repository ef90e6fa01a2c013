// Syntax, error reporting, limits, term expansion and RequiredAttributes of q.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "src/query/q_test_util.h"

namespace civitas::query {
namespace {

using ::testing::ElementsAre;
using testing::Ex;
using testing::Expander;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ParseError;

TEST(QParserTest, AcceptsTheGrammar) {
  for (const char* q : {
           "a",
           "!a",
           "a==1",
           "a!=1",
           "a>1;b<2",
           "a>=1|b<=2",
           "a==1,2,3",
           "a==\"x\",\"y\"",
           "a==1..5",
           "a==\"a\"..\"m\"",
           "a==2018-12-04T12:00:00Z..2018-12-05T00:00:00Z",
           "a~=^x.*$",
           "a!~=\"(?i)x\"",
           "a.b.c==true",
           "a[b][c]==false",
           "a.b[c]==-1.5e-3",
           "a.observedAt>2018-12-04T12:00:00Z",
           "ns:attr==urn:ngsi-ld:Building:1",
           "(a==1|b==2);(c==3|(d==4;e==5))",
           "  a == 1 ;  b  ",
           "a==\"\"",
       }) {
    auto parsed = ParseQ(q, Expander());
    EXPECT_TRUE(parsed.ok()) << q << ": " << parsed.status().message();
  }
}

struct BadQuery {
  const char* q;
  const char* message;  // expected to be contained in the error
};

void PrintTo(const BadQuery& bad, std::ostream* os) { *os << bad.q; }

class QParserErrorTest : public ::testing::TestWithParam<BadQuery> {};

TEST_P(QParserErrorTest, ReportsWhatWasExpectedAndWhere) {
  Status status = ParseError(GetParam().q);
  EXPECT_EQ(status.code(), StatusCode::kInvalidRequest) << GetParam().q;
  EXPECT_THAT(status.message(), HasSubstr(GetParam().message)) << GetParam().q;
  EXPECT_THAT(status.message(), ::testing::StartsWith("q: "));
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, QParserErrorTest,
    ::testing::Values(
        BadQuery{"", "expected an attribute name at offset 0"},
        BadQuery{"   ", "expected an attribute name at offset 3"},
        BadQuery{"temperature$23", "expected an operator after 'temperature' at offset 11"},
        BadQuery{"temperature=23", "expected an operator after 'temperature' at offset 11"},
        BadQuery{"temperature 23", "expected an operator after 'temperature' at offset 12"},
        BadQuery{"temperature==", "expected a value after '==' at offset 13"},
        BadQuery{"temperature>=;a", "expected a value after '>=' at offset 13"},
        BadQuery{"a==1..", "expected a value after '..' at offset 6"},
        BadQuery{"a==1,", "expected a value after ',' at offset 5"},
        BadQuery{"a;", "expected an attribute name at offset 2"},
        BadQuery{"a|;b", "expected an attribute name at offset 2"},
        BadQuery{"(a==1", "expected ';', '|' or ')' at offset 5 (to close the '(' at offset 0)"},
        BadQuery{"a==1)", "unbalanced ')' at offset 4"},
        BadQuery{"()", "expected an attribute name at offset 1"},
        BadQuery{"a==\"abc", "unterminated string starting at offset 3"},
        BadQuery{"a[b", "expected ']' at offset 3 (to close the '[' at offset 1)"},
        BadQuery{"a[]", "expected a member name inside '[]' at offset 2"},
        BadQuery{"a.", "expected an attribute name at offset 2"},
        BadQuery{"a>1,2", "expected ';', '|' or the end of the query at offset 3"},
        BadQuery{"a==1..2..3", "expected ';', '|' or the end of the query at offset 7"},
        BadQuery{"a==hello world", "expected ';', '|' or the end of the query at offset 9"},
        BadQuery{"a==1==2", "expected ';', '|' or the end of the query at offset 4"},
        BadQuery{"!(a)", "'!' applies to an attribute, not to a group at offset 1"},
        BadQuery{"a~=", "expected a regular expression after '~=' at offset 3"},
        BadQuery{"a~=;b", "expected a regular expression after '~=' at offset 3"},
        BadQuery{"a~=[z-a]", "invalid regular expression '[z-a]' at offset 3"},
        BadQuery{"a~=\"(\"", "invalid regular expression '(' at offset 3"},
        BadQuery{"a~=(a)\\1", "invalid regular expression '(a)\\1' at offset 3"},
        BadQuery{"a~=\"a)(b\"", "invalid regular expression 'a)(b' at offset 3"},
        BadQuery{"a~=x{300}", "larger than 256 characters once its counted repetitions"},
        BadQuery{"a~=(a{1,20}){1,20}", "larger than 256 characters once its counted"},
        BadQuery{"a==2018-13-45T00:00:00Z", "is not a valid date-time at offset 3"}));

TEST(QParserTest, RejectsOverlongPatterns) {
  std::string ok = "a~=" + std::string(256, 'x');
  EXPECT_TRUE(ParseQ(ok, Expander()).ok());
  Status status = ParseError("a~=" + std::string(257, 'x'));
  EXPECT_EQ(status.code(), StatusCode::kInvalidRequest);
  EXPECT_THAT(status.message(), HasSubstr("longer than 256 characters at offset 3"));
}

TEST(QParserTest, AcceptsPatternsWithinTheExpandedSizeBudget) {
  for (const char* q : {"a~=^\\d{4}-\\d{2}-\\d{2}$", "a~=[a-z]{1,200}", "a~=(ab){100}", "a~=x{2,}",
                        "a~=(a+)+$", "a~=(x|(\\w*))*"}) {
    auto parsed = ParseQ(q, Expander());
    EXPECT_TRUE(parsed.ok()) << q << ": " << parsed.status().message();
  }
  EXPECT_FALSE(ParseQ("a~=(ab){129}", Expander()).ok());
}

TEST(QParserTest, LimitsNestingDepth) {
  auto nested = [](int depth) {
    return std::string(depth, '(') + "a==1" + std::string(depth, ')');
  };
  EXPECT_TRUE(ParseQ(nested(64), Expander()).ok());
  Status status = ParseError(nested(65));
  EXPECT_EQ(status.code(), StatusCode::kTooComplexQuery);
  EXPECT_THAT(status.message(), HasSubstr("deeper than 64 levels at offset 64"));
  // Far deeper input fails the same way rather than exhausting the stack.
  EXPECT_EQ(ParseError(std::string(100000, '(')).code(), StatusCode::kInvalidRequest);
  EXPECT_EQ(ParseError(std::string(10000, '(')).code(), StatusCode::kTooComplexQuery);
}

TEST(QParserTest, LimitsQueryLength) {
  std::string q = "a==1";
  while (q.size() + 5 <= 16 * 1024) q += ";a==1";
  EXPECT_TRUE(ParseQ(q, Expander()).ok());
  q += ";a==1";
  Status status = ParseError(q);
  EXPECT_EQ(status.code(), StatusCode::kInvalidRequest);
  EXPECT_THAT(status.message(), HasSubstr("at most 16384"));
}

TEST(QParserTest, ExpandsAttributeAndSubAttributeNamesOnly) {
  std::vector<std::string> terms;
  TermExpander recording = [&terms](std::string_view t) {
    terms.emplace_back(t);
    return Ex(t);
  };
  ASSERT_TRUE(
      ParseQ("a.b[k1][k2]==1;c.observedAt>2020-01-01T00:00:00Z;d.e.unitCode", recording).ok());
  EXPECT_THAT(terms, ElementsAre("a", "b", "c", "d", "e"));
}

TEST(QParserTest, ExpandsStringLiteralsForVocabularyComparisons) {
  std::vector<std::string> terms;
  TermExpander recording = [&terms](std::string_view t) {
    terms.emplace_back(t);
    return Ex(t);
  };
  ASSERT_TRUE(ParseQ("a==open,\"two words\",3", recording).ok());
  EXPECT_THAT(terms, ElementsAre("a", "open"));
}

TEST(QParserTest, EmptyExpansionFallsBackToTheTerm) {
  TermExpander empty = [](std::string_view) { return std::string(); };
  auto parsed = ParseQ("a;b==1", empty);
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT((*parsed)->RequiredAttributes(), ElementsAre("a", "b"));
}

std::vector<std::string> Required(std::string_view q) {
  auto parsed = ParseQ(q, Expander());
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? (*parsed)->RequiredAttributes() : std::vector<std::string>{};
}

TEST(QParserTest, RequiredAttributesComeFromTheTopLevelConjunction) {
  EXPECT_THAT(Required("a"), ElementsAre(Ex("a")));
  EXPECT_THAT(Required("a==1"), ElementsAre(Ex("a")));
  EXPECT_THAT(Required("a;b==1;(c|d);!e;f!=1;g~=x;h!~=y;i==1..2;j==1,2"),
              ElementsAre(Ex("a"), Ex("b"), Ex("g"), Ex("i"), Ex("j")));
  EXPECT_THAT(Required("a|b"), IsEmpty());
  EXPECT_THAT(Required("(a;b)|c"), IsEmpty());
  EXPECT_THAT(Required("(a;b);c"), ElementsAre(Ex("a"), Ex("b"), Ex("c")));
  EXPECT_THAT(Required("((a));b"), ElementsAre(Ex("a"), Ex("b")));
  EXPECT_THAT(Required("a.observedAt>2020-01-01T00:00:00Z;a.b[c]==1"), ElementsAre(Ex("a")));
  EXPECT_THAT(Required("!a"), IsEmpty());
  EXPECT_THAT(Required("a!=1"), IsEmpty());
}

}  // namespace
}  // namespace civitas::query
