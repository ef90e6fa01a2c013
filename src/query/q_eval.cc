#include "src/query/q_eval.h"

#include <algorithm>
#include <boost/json.hpp>
#include <compare>
#include <exception>
#include <string_view>

#include "civitas/core/time.h"

namespace civitas::query::internal {
namespace {

using model::Attribute;
using model::AttributeKind;
using model::Entity;
using model::Json;

// One value a comparison looks at: a JSON scalar from the attribute's payload, a timestamp
// meta-attribute, or a text meta-attribute.
struct Scalar {
  enum class Kind { kJson, kTime, kText };
  Kind kind = Kind::kJson;
  const Json* json = nullptr;
  Timestamp time{};
  std::string_view text;
  bool vocab = false;  // a VocabProperty string: an expanded IRI
};

// Cheap shape test so that ordinary strings never pay for a failed ParseTimestamp (which
// allocates its error message).
bool LooksLikeDateTime(std::string_view s) {
  return s.size() >= 16 && s[4] == '-' && s[7] == '-' &&
         (s[10] == 'T' || s[10] == 't' || s[10] == ' ');
}

double AsDouble(const Json& j) {
  if (j.is_double()) return j.get_double();
  if (j.is_int64()) return static_cast<double>(j.get_int64());
  return static_cast<double>(j.get_uint64());
}

// Unordered means "not comparable": a type mismatch, which no operator satisfies.
std::partial_ordering Compare(const Scalar& s, const QValue& v) {
  switch (s.kind) {
    case Scalar::Kind::kTime:
      return v.time ? (s.time <=> *v.time) : std::partial_ordering::unordered;
    case Scalar::Kind::kText:
      return v.kind == QValue::Kind::kString ? (s.text.compare(v.text) <=> 0)
                                             : std::partial_ordering::unordered;
    case Scalar::Kind::kJson:
      break;
  }
  const Json& j = *s.json;
  switch (v.kind) {
    case QValue::Kind::kNumber:
      if (j.is_number()) return AsDouble(j) <=> v.number;
      break;
    case QValue::Kind::kBool:
      if (j.is_bool()) return j.get_bool() <=> v.boolean;
      break;
    case QValue::Kind::kString:
      if (j.is_string()) {
        std::string_view str(j.get_string());
        if (s.vocab && !v.expanded.empty()) {
          auto c = str.compare(v.expanded) <=> 0;
          if (c == 0) return c;
        }
        return str.compare(v.text) <=> 0;
      }
      break;
    case QValue::Kind::kDateTime:
      if (j.is_string()) {
        std::string_view str(j.get_string());
        if (!LooksLikeDateTime(str)) break;
        auto t = ParseTimestamp(str);
        if (t.ok()) return *t <=> *v.time;
      }
      break;
  }
  return std::partial_ordering::unordered;
}

// Typed literals ({"@value": ...}) and ListRelationship entries ({"object": ...}) compare by
// their inner value.
const Json& Unwrap(const Json& j, AttributeKind kind) {
  if (!j.is_object()) return j;
  const auto& obj = j.get_object();
  if (const Json* v = obj.if_contains("@value")) return *v;
  if (kind == AttributeKind::kListRelationship) {
    if (const Json* v = obj.if_contains("object")) return *v;
  }
  return j;
}

// A value and, when it is an array, each element (one level: multi-valued NGSI-LD values).
template <typename F>
bool AnyElement(const Json& j, const Attribute& a, F& f) {
  Scalar s;
  s.vocab = a.kind == AttributeKind::kVocabProperty;
  if (j.is_array()) {
    for (const Json& e : j.get_array()) {
      s.json = &Unwrap(e, a.kind);
      if (f(s)) return true;
    }
    return false;
  }
  s.json = &Unwrap(j, a.kind);
  return f(s);
}

// Follows keys[i..] through JSON objects; arrays on the way fan out to their elements.
template <typename F>
bool AnyAtKeys(const Json& j, const Attribute& a, const std::vector<std::string>& keys, size_t i,
               F& f) {
  if (i == keys.size()) return AnyElement(j, a, f);
  if (j.is_object()) {
    const Json* member = j.get_object().if_contains(keys[i]);
    return member != nullptr && AnyAtKeys(*member, a, keys, i + 1, f);
  }
  if (j.is_array()) {
    for (const Json& e : j.get_array()) {
      if (AnyAtKeys(e, a, keys, i, f)) return true;
    }
  }
  return false;
}

const std::optional<Timestamp>* MetaTime(const Attribute& a, QMeta meta) {
  switch (meta) {
    case QMeta::kObservedAt:
      return &a.observed_at;
    case QMeta::kCreatedAt:
      return &a.created_at;
    case QMeta::kModifiedAt:
      return &a.modified_at;
    default:
      return nullptr;
  }
}

// The scalars the path yields in one resolved attribute instance; true as soon as f is.
template <typename F>
bool AnyScalar(const Attribute& a, const QPath& path, F& f) {
  if (path.meta != QMeta::kNone) {
    Scalar s;
    if (const auto* t = MetaTime(a, path.meta)) {
      if (!t->has_value()) return false;
      s.kind = Scalar::Kind::kTime;
      s.time = **t;
    } else {
      s.kind = Scalar::Kind::kText;
      s.text = path.meta == QMeta::kUnitCode ? a.unit_code : a.dataset_id;
      if (s.text.empty()) return false;
    }
    return f(s);
  }
  if (!path.keys.empty()) return AnyAtKeys(a.value, a, path.keys, 0, f);
  if (a.kind == AttributeKind::kLanguageProperty && a.value.is_object()) {
    // Any language's text.
    for (const auto& member : a.value.get_object()) {
      if (AnyElement(member.value(), a, f)) return true;
    }
    return false;
  }
  return AnyElement(a.value, a, f);
}

bool KeysPresent(const Json& j, const std::vector<std::string>& keys, size_t i) {
  if (i == keys.size()) return true;
  if (j.is_object()) {
    const Json* member = j.get_object().if_contains(keys[i]);
    return member != nullptr && KeysPresent(*member, keys, i + 1);
  }
  if (j.is_array()) {
    for (const Json& e : j.get_array()) {
      if (KeysPresent(e, keys, i)) return true;
    }
  }
  return false;
}

// Whether the path names something in this instance (a set meta-attribute, a present member;
// an empty array or null counts as present).
bool PathPresent(const Attribute& a, const QPath& path) {
  if (path.meta != QMeta::kNone) {
    auto any = [](const Scalar&) { return true; };
    return AnyScalar(a, path, any);
  }
  return KeysPresent(a.value, path.keys, 0);
}

template <typename F>
bool AnyInstanceBelow(const Attribute& a, const QPath& path, size_t depth, F& f) {
  if (depth == path.attrs.size()) return f(a);
  for (const Attribute& sub : a.sub_attributes) {
    if (sub.name == path.attrs[depth] && AnyInstanceBelow(sub, path, depth + 1, f)) return true;
  }
  return false;
}

// Every instance (all datasetIds) of the attribute, then of each sub-attribute on the path.
template <typename F>
bool AnyInstance(const Entity& entity, const QPath& path, F&& f) {
  std::string_view name = path.attrs.front();
  auto it = std::lower_bound(
      entity.attributes.begin(), entity.attributes.end(), name,
      [](const Attribute& a, std::string_view n) { return a.name.compare(n) < 0; });
  for (; it != entity.attributes.end() && it->name == name; ++it) {
    if (AnyInstanceBelow(*it, path, 1, f)) return true;
  }
  return false;
}

bool PatternMatches(const QNode& node, const Scalar& s) {
  std::string_view subject;
  if (s.kind == Scalar::Kind::kText) {
    subject = s.text;
  } else if (s.kind == Scalar::Kind::kJson && s.json->is_string()) {
    subject = s.json->get_string();
  } else {
    return false;
  }
  if (subject.size() > kMaxPatternSubjectLength) return false;
  // std::regex may throw (error_complexity, error_stack); a failed match is no match.
  try {
    return std::regex_match(subject.begin(), subject.end(), *node.regex);
  } catch (const std::exception&) {
    return false;
  }
}

// The positive reading of a comparison term: = for == and !=, ~= for ~= and !~=.
bool ScalarSatisfies(const QNode& node, const Scalar& s) {
  switch (node.kind) {
    case QNode::Kind::kCompare: {
      std::partial_ordering c = Compare(s, node.values.front());
      switch (node.op) {
        case QOp::kEq:
        case QOp::kNe:
          return c == 0;
        case QOp::kLt:
          return c < 0;
        case QOp::kLe:
          return c <= 0;
        case QOp::kGt:
          return c > 0;
        case QOp::kGe:
          return c >= 0;
        default:
          return false;
      }
    }
    case QNode::Kind::kList:
      return std::any_of(node.values.begin(), node.values.end(),
                         [&s](const QValue& v) { return Compare(s, v) == 0; });
    case QNode::Kind::kRange:
      return Compare(s, node.values[0]) >= 0 && Compare(s, node.values[1]) <= 0;
    case QNode::Kind::kPattern:
      return PatternMatches(node, s);
    default:
      return false;
  }
}

bool EvaluateTerm(const QNode& node, const Entity& entity) {
  const QPath& path = node.path;
  switch (node.kind) {
    case QNode::Kind::kExists:
      return AnyInstance(entity, path,
                         [&path](const Attribute& a) { return PathPresent(a, path); });
    case QNode::Kind::kNotExists:
      return !AnyInstance(entity, path,
                          [&path](const Attribute& a) { return PathPresent(a, path); });
    default:
      break;
  }
  auto satisfies = [&node](const Scalar& s) { return ScalarSatisfies(node, s); };
  if (node.op == QOp::kNe || node.op == QOp::kNoMatch) {
    // Negations need the target to exist, then hold when none of its values satisfy.
    return AnyInstance(entity, path, [&](const Attribute& a) {
      return PathPresent(a, path) && !AnyScalar(a, path, satisfies);
    });
  }
  return AnyInstance(entity, path,
                     [&](const Attribute& a) { return AnyScalar(a, path, satisfies); });
}

}  // namespace

bool Evaluate(const QNode& node, const Entity& entity) {
  switch (node.kind) {
    case QNode::Kind::kAnd:
      for (const auto& child : node.children) {
        if (!Evaluate(*child, entity)) return false;
      }
      return true;
    case QNode::Kind::kOr:
      for (const auto& child : node.children) {
        if (Evaluate(*child, entity)) return true;
      }
      return false;
    default:
      return EvaluateTerm(node, entity);
  }
}

}  // namespace civitas::query::internal
