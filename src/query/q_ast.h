#pragma once

// The compiled form of an NGSI-LD q expression; private to src/query. The parser builds it once,
// after which it is immutable and read concurrently by any number of evaluating threads.

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "civitas/core/time.h"

namespace civitas::query::internal {

// A literal on the right-hand side of a term.
struct QValue {
  enum class Kind {
    kNumber,    // 23, -1.5, 1e3
    kString,    // "quoted", urn:ngsi-ld:X, or any other unquoted token
    kBool,      // true / false
    kDateTime,  // unquoted ISO 8601 date-time: 2018-12-04T12:00:00Z
  };
  Kind kind = Kind::kString;
  double number = 0;
  bool boolean = false;
  // kString: the text; kDateTime: the text as written.
  std::string text;
  // kDateTime: the instant. kString: the instant when the text parses as a date-time or a date
  // (used only against time-valued targets such as observedAt).
  std::optional<Timestamp> time;
  // kString: the text expanded by the TermExpander when that differs (VocabProperty values are
  // stored expanded); empty otherwise.
  std::string expanded;
};

// Meta-attribute selected by the last dotted segment of a path.
enum class QMeta { kNone, kObservedAt, kUnitCode, kDatasetId, kCreatedAt, kModifiedAt };

// attr.sub1.sub2[key1][key2] or attr.sub.observedAt.
struct QPath {
  std::string text;                // as written, for messages
  std::vector<std::string> attrs;  // expanded IRIs: the attribute then nested sub-attributes
  std::vector<std::string> keys;   // JSON members inside the value, not expanded
  QMeta meta = QMeta::kNone;       // when set, keys is empty
};

enum class QOp { kEq, kNe, kLt, kLe, kGt, kGe, kMatch, kNoMatch };

// One node of the expression tree.
struct QNode {
  enum class Kind {
    kAnd,        // all children
    kOr,         // any child
    kExists,     // attr
    kNotExists,  // !attr
    kCompare,    // attr op value (values.size() == 1)
    kList,       // attr == a,b,c / attr != a,b,c
    kRange,      // attr == lo..hi / attr != lo..hi (values = {lo, hi})
    kPattern,    // attr ~= regex / attr !~= regex
  };
  Kind kind = Kind::kExists;
  std::vector<std::unique_ptr<const QNode>> children;  // kAnd / kOr
  QPath path;
  QOp op = QOp::kEq;  // kCompare: any but pattern ops; kList/kRange: kEq or kNe; kPattern
  std::vector<QValue> values;
  // kPattern: compiled as [\s\S]*(?:pattern)[\s\S]*, so regex_match on a whole string says
  // whether the pattern occurs in it. values[0].text holds the pattern as written.
  std::optional<std::regex> regex;
};

}  // namespace civitas::query::internal
