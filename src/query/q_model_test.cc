// Model-based tests: q evaluation checked against plain C++ reference evaluation.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "src/query/q_test_util.h"

namespace civitas::query {
namespace {

using model::Entity;
using testing::Expander;
using testing::MakeEntity;
using testing::Prop;

struct NumericCase {
  const char* op;
  double constant;
  std::function<bool(double, double)> reference;
};

void PrintTo(const NumericCase& c, std::ostream* os) { *os << "v" << c.op << c.constant; }

class QNumericSweepTest : public ::testing::TestWithParam<NumericCase> {};

TEST_P(QNumericSweepTest, AgreesWithCxxComparison) {
  const NumericCase& c = GetParam();
  std::string q = "v" + std::string(c.op) + std::to_string(c.constant);
  auto parsed = ParseQ(q, Expander());
  ASSERT_TRUE(parsed.ok()) << q << ": " << parsed.status().message();
  for (double v : {-1e9, -5.0, -0.5, 0.0, 2.5, 10.0, 23.0, 23.5, 1e12}) {
    Entity as_double = MakeEntity({Prop("v", v)});
    EXPECT_EQ((*parsed)->Matches(as_double), c.reference(v, c.constant)) << q << " with " << v;
    if (v == static_cast<double>(static_cast<int64_t>(v))) {
      Entity as_int = MakeEntity({Prop("v", static_cast<int64_t>(v))});
      EXPECT_EQ((*parsed)->Matches(as_int), c.reference(v, c.constant)) << q << " with int " << v;
    }
  }
  // No comparison holds on a missing attribute, != included.
  EXPECT_FALSE((*parsed)->Matches(MakeEntity({Prop("w", 1)}))) << q;
}

std::vector<NumericCase> NumericCases() {
  std::vector<NumericCase> cases;
  for (double k : {-5.0, 0.0, 2.5, 23.0}) {
    cases.push_back({"==", k, [](double a, double b) { return a == b; }});
    cases.push_back({"!=", k, [](double a, double b) { return a != b; }});
    cases.push_back({"<", k, [](double a, double b) { return a < b; }});
    cases.push_back({"<=", k, [](double a, double b) { return a <= b; }});
    cases.push_back({">", k, [](double a, double b) { return a > b; }});
    cases.push_back({">=", k, [](double a, double b) { return a >= b; }});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Operators, QNumericSweepTest, ::testing::ValuesIn(NumericCases()));

// Random boolean expressions over four attributes, each absent, 0 or 1.
struct Expr {
  enum class Kind { kTerm, kAnd, kOr } kind = Kind::kTerm;
  int attr = 0;
  int term = 0;  // 0: x==1, 1: x, 2: !x, 3: x!=1
  std::vector<std::unique_ptr<Expr>> children;
};

constexpr int kAttrs = 4;
constexpr int kAbsent = -1;

std::unique_ptr<Expr> RandomExpr(std::mt19937& rng, int depth) {
  auto e = std::make_unique<Expr>();
  int pick = std::uniform_int_distribution<int>(0, depth >= 4 ? 0 : 2)(rng);
  if (pick == 0) {
    e->attr = std::uniform_int_distribution<int>(0, kAttrs - 1)(rng);
    e->term = std::uniform_int_distribution<int>(0, 3)(rng);
    return e;
  }
  e->kind = pick == 1 ? Expr::Kind::kAnd : Expr::Kind::kOr;
  int n = std::uniform_int_distribution<int>(2, 3)(rng);
  for (int i = 0; i < n; ++i) e->children.push_back(RandomExpr(rng, depth + 1));
  return e;
}

bool Reference(const Expr& e, const std::vector<int>& state) {
  switch (e.kind) {
    case Expr::Kind::kTerm: {
      int s = state[e.attr];
      switch (e.term) {
        case 0:
          return s == 1;
        case 1:
          return s != kAbsent;
        case 2:
          return s == kAbsent;
        default:
          return s == 0;
      }
    }
    case Expr::Kind::kAnd:
      for (const auto& c : e.children) {
        if (!Reference(*c, state)) return false;
      }
      return true;
    case Expr::Kind::kOr:
      for (const auto& c : e.children) {
        if (Reference(*c, state)) return true;
      }
      return false;
  }
  return false;
}

// minimal: parentheses only where precedence needs them (an OR inside an AND).
std::string Print(const Expr& e, bool minimal, bool parent_is_and) {
  if (e.kind == Expr::Kind::kTerm) {
    std::string name(1, static_cast<char>('a' + e.attr));
    switch (e.term) {
      case 0:
        return name + "==1";
      case 1:
        return name;
      case 2:
        return "!" + name;
      default:
        return name + "!=1";
    }
  }
  bool is_and = e.kind == Expr::Kind::kAnd;
  std::string out;
  for (size_t i = 0; i < e.children.size(); ++i) {
    if (i > 0) out += is_and ? ";" : "|";
    out += Print(*e.children[i], minimal, is_and);
  }
  bool parens = !minimal || (parent_is_and && !is_and);
  return parens ? "(" + out + ")" : out;
}

TEST(QModelTest, RandomExpressionsMatchTheReferenceWithAndWithoutParentheses) {
  std::mt19937 rng(20240501);
  for (int iteration = 0; iteration < 300; ++iteration) {
    auto expr = RandomExpr(rng, 0);
    std::string minimal = Print(*expr, true, false);
    std::string full = Print(*expr, false, false);
    auto parsed_minimal = ParseQ(minimal, Expander());
    auto parsed_full = ParseQ(full, Expander());
    ASSERT_TRUE(parsed_minimal.ok()) << minimal << ": " << parsed_minimal.status().message();
    ASSERT_TRUE(parsed_full.ok()) << full << ": " << parsed_full.status().message();
    // Every assignment of absent/0/1 to the four attributes.
    for (int code = 0; code < 81; ++code) {
      std::vector<int> state(kAttrs);
      std::vector<model::Attribute> attributes;
      for (int i = 0, c = code; i < kAttrs; ++i, c /= 3) {
        state[i] = c % 3 - 1;
        if (state[i] != kAbsent) {
          attributes.push_back(Prop(std::string(1, static_cast<char>('a' + i)), state[i]));
        }
      }
      Entity entity = MakeEntity(std::move(attributes));
      bool expected = Reference(*expr, state);
      ASSERT_EQ((*parsed_minimal)->Matches(entity), expected) << minimal << " state " << code;
      ASSERT_EQ((*parsed_full)->Matches(entity), expected) << full << " state " << code;
    }
  }
}

}  // namespace
}  // namespace civitas::query
