#include "src/query/q_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "civitas/core/time.h"

namespace civitas::query::internal {
namespace {

using NodePtr = std::unique_ptr<const QNode>;

#if defined(__GLIBCXX__)
// libstdc++'s breadth-first (Thompson) executor: no exponential backtracking, and back-references,
// which need backtracking, are refused when the pattern is compiled.
constexpr auto kEngineFlags = std::regex_constants::__polynomial;
#else
#error "q patterns rely on libstdc++'s polynomial std::regex mode; port ParsePattern first"
#endif

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == ':';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Characters that end an unquoted literal (".." ends one too).
bool EndsUnquoted(char c) {
  switch (c) {
    case ';':
    case '|':
    case '(':
    case ')':
    case ',':
    case '"':
    case '=':
    case '<':
    case '>':
    case '~':
      return true;
    default:
      return IsSpace(c);
  }
}

std::optional<QMeta> MetaFromName(std::string_view name) {
  if (name == "observedAt") return QMeta::kObservedAt;
  if (name == "unitCode") return QMeta::kUnitCode;
  if (name == "datasetId") return QMeta::kDatasetId;
  if (name == "createdAt") return QMeta::kCreatedAt;
  if (name == "modifiedAt") return QMeta::kModifiedAt;
  return std::nullopt;
}

bool IsDateOnly(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// A date-time, or a bare date taken as midnight UTC; only for strings compared to timestamps.
std::optional<Timestamp> ParseQueryTime(std::string_view text) {
  if (text.size() < 10 || text[4] != '-') return std::nullopt;
  if (IsDateOnly(text)) {
    auto t = ParseTimestamp(std::string(text) + "T00:00:00Z");
    return t.ok() ? std::optional<Timestamp>(*t) : std::nullopt;
  }
  auto t = ParseTimestamp(text);
  return t.ok() ? std::optional<Timestamp>(*t) : std::nullopt;
}

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t digit_at = s[0] == '-' ? 1 : 0;
  if (digit_at >= s.size() || !((s[digit_at] >= '0' && s[digit_at] <= '9') || s[digit_at] == '.')) {
    return std::nullopt;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Size of a regular expression with its counted repetitions expanded, e.g. 12 for "ab{5}c(de){2}":
// roughly the number of automaton states, which bounds the cost of matching one character.
// Overestimates are fine; the result saturates instead of overflowing.
constexpr size_t kSaturated = size_t{1} << 32;

size_t ExpandedPatternSize(std::string_view re) {
  struct Frame {
    size_t total = 0;
    size_t last = 0;  // size of the most recent atom, which a following {n,m} multiplies
  };
  std::vector<Frame> frames(1);
  auto add_atom = [&frames](size_t size) {
    frames.back().total = std::min(frames.back().total + size, kSaturated);
    frames.back().last = size;
  };
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      ++i;
      add_atom(1);
    } else if (c == '[') {
      for (++i; i < re.size() && re[i] != ']'; ++i) {
        if (re[i] == '\\') ++i;
      }
      add_atom(1);
    } else if (c == '(') {
      frames.emplace_back();
    } else if (c == ')' && frames.size() > 1) {
      size_t inner = std::max<size_t>(frames.back().total, 1);
      frames.pop_back();
      add_atom(inner);
    } else if (c == '{') {
      // {n}, {n,} or {n,m}; anything else is a literal brace.
      size_t j = i + 1;
      auto read_number = [&re, &j](size_t& out) {
        size_t start_j = j;
        for (out = 0; j < re.size() && re[j] >= '0' && re[j] <= '9'; ++j) {
          out = std::min<size_t>(out * 10 + static_cast<size_t>(re[j] - '0'), kSaturated);
        }
        return j > start_j;
      };
      size_t low = 0;
      size_t high = 0;
      bool ok = read_number(low);
      size_t bound = low;
      if (ok && j < re.size() && re[j] == ',') {
        ++j;
        bound = read_number(high) ? std::max(low, high) : low + 1;
      }
      if (!ok || j >= re.size() || re[j] != '}') {
        add_atom(1);
        continue;
      }
      Frame& top = frames.back();
      size_t extra = top.last * (bound > 0 ? bound - 1 : 0);
      if (bound > kSaturated / std::max<size_t>(top.last, 1)) extra = kSaturated;
      top.total = std::min(top.total + extra, kSaturated);
      top.last = std::min(top.last * std::max<size_t>(bound, 1), kSaturated);
      i = j;
    } else if (c == '*' || c == '+' || c == '?' || c == '|' || c == '^' || c == '$') {
      // Quantifiers and anchors add no states of their own worth counting.
    } else {
      add_atom(1);
    }
  }
  size_t total = 0;
  for (const Frame& f : frames) total = std::min(total + f.total, kSaturated);
  return total;
}

class Parser {
 public:
  Parser(std::string_view q, const TermExpander& expand) : q_(q), expand_(expand) {}

  Result<NodePtr> Parse() {
    if (q_.size() > kMaxQLength) {
      return InvalidRequest("q: the query is " + std::to_string(q_.size()) +
                            " bytes long; at most " + std::to_string(kMaxQLength) + " are allowed");
    }
    SkipSpace();
    if (AtEnd()) return Error("expected an attribute name", pos_);
    CIVITAS_ASSIGN_OR_RETURN(NodePtr root, ParseOr(0));
    SkipSpace();
    if (!AtEnd()) {
      if (q_[pos_] == ')') return Error("unbalanced ')'", pos_);
      return Error("expected ';', '|' or the end of the query", pos_);
    }
    return root;
  }

 private:
  bool AtEnd() const { return pos_ >= q_.size(); }
  char Peek() const { return AtEnd() ? '\0' : q_[pos_]; }
  bool LookingAt(std::string_view s) const { return q_.substr(pos_).starts_with(s); }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(q_[pos_])) ++pos_;
  }

  // "q: <what> at offset <at>", then the note in parentheses when there is one.
  Status Error(std::string_view what, size_t at, std::string_view note = {}) const {
    std::string message = "q: " + std::string(what) + " at offset " + std::to_string(at);
    if (!note.empty()) message += " (" + std::string(note) + ")";
    return InvalidRequest(std::move(message));
  }

  // Or := And ('|' And)*
  Result<NodePtr> ParseOr(int depth) {
    CIVITAS_ASSIGN_OR_RETURN(NodePtr first, ParseAnd(depth));
    SkipSpace();
    if (Peek() != '|') return first;
    auto node = std::make_unique<QNode>();
    node->kind = QNode::Kind::kOr;
    node->children.push_back(std::move(first));
    while (Peek() == '|') {
      ++pos_;
      CIVITAS_ASSIGN_OR_RETURN(NodePtr next, ParseAnd(depth));
      node->children.push_back(std::move(next));
      SkipSpace();
    }
    return NodePtr(std::move(node));
  }

  // And := Primary (';' Primary)*; nested conjunctions from parentheses are flattened so that
  // RequiredAttributes sees them and evaluation recurses less.
  Result<NodePtr> ParseAnd(int depth) {
    CIVITAS_ASSIGN_OR_RETURN(NodePtr first, ParsePrimary(depth));
    SkipSpace();
    if (Peek() != ';') return first;
    auto node = std::make_unique<QNode>();
    node->kind = QNode::Kind::kAnd;
    auto add = [&node](NodePtr child) {
      if (child->kind == QNode::Kind::kAnd) {
        // The child is ours alone; moving its children out does not break immutability.
        auto& grand = const_cast<QNode&>(*child).children;
        for (auto& g : grand) node->children.push_back(std::move(g));
      } else {
        node->children.push_back(std::move(child));
      }
    };
    add(std::move(first));
    while (Peek() == ';') {
      ++pos_;
      CIVITAS_ASSIGN_OR_RETURN(NodePtr next, ParsePrimary(depth));
      add(std::move(next));
      SkipSpace();
    }
    return NodePtr(std::move(node));
  }

  // Primary := '(' Or ')' | Term
  Result<NodePtr> ParsePrimary(int depth) {
    SkipSpace();
    if (Peek() != '(') return ParseTerm();
    size_t open = pos_;
    if (depth + 1 > kMaxQDepth) {
      return Status(StatusCode::kTooComplexQuery, "q: parentheses nested deeper than " +
                                                      std::to_string(kMaxQDepth) +
                                                      " levels at offset " + std::to_string(open));
    }
    ++pos_;
    CIVITAS_ASSIGN_OR_RETURN(NodePtr inner, ParseOr(depth + 1));
    SkipSpace();
    if (Peek() != ')') {
      return Error("expected ';', '|' or ')'", pos_,
                   "to close the '(' at offset " + std::to_string(open));
    }
    ++pos_;
    return inner;
  }

  Result<NodePtr> ParseTerm() {
    auto node = std::make_unique<QNode>();
    if (Peek() == '!') {
      ++pos_;
      SkipSpace();
      if (Peek() == '(') return Error("'!' applies to an attribute, not to a group", pos_);
      CIVITAS_ASSIGN_OR_RETURN(node->path, ParsePath());
      node->kind = QNode::Kind::kNotExists;
      return NodePtr(std::move(node));
    }
    CIVITAS_ASSIGN_OR_RETURN(node->path, ParsePath());
    SkipSpace();
    size_t op_at = pos_;
    std::optional<QOp> op = ParseOperator();
    if (!op) {
      char c = Peek();
      if (AtEnd() || c == ';' || c == '|' || c == ')') {
        node->kind = QNode::Kind::kExists;
        return NodePtr(std::move(node));
      }
      return Error("expected an operator after '" + node->path.text + "'", pos_,
                   "one of == != < <= > >= ~= !~=, or ';', '|', ')' after an existence test");
    }
    std::string_view op_text = q_.substr(op_at, pos_ - op_at);
    node->op = *op;
    if (*op == QOp::kMatch || *op == QOp::kNoMatch) {
      node->kind = QNode::Kind::kPattern;
      CIVITAS_RETURN_IF_ERROR(ParsePattern(*node, op_text));
      return NodePtr(std::move(node));
    }
    CIVITAS_ASSIGN_OR_RETURN(QValue first, ParseValue(op_text));
    node->values.push_back(std::move(first));
    node->kind = QNode::Kind::kCompare;
    if (*op != QOp::kEq && *op != QOp::kNe) return NodePtr(std::move(node));
    SkipSpace();
    if (LookingAt("..")) {
      pos_ += 2;
      CIVITAS_ASSIGN_OR_RETURN(QValue hi, ParseValue(".."));
      node->values.push_back(std::move(hi));
      node->kind = QNode::Kind::kRange;
    } else if (Peek() == ',') {
      node->kind = QNode::Kind::kList;
      while (Peek() == ',') {
        ++pos_;
        CIVITAS_ASSIGN_OR_RETURN(QValue next, ParseValue(","));
        node->values.push_back(std::move(next));
        SkipSpace();
      }
    }
    return NodePtr(std::move(node));
  }

  std::optional<QOp> ParseOperator() {
    static constexpr std::pair<std::string_view, QOp> kOps[] = {
        {"==", QOp::kEq}, {"!=", QOp::kNe}, {"!~=", QOp::kNoMatch}, {"~=", QOp::kMatch},
        {">=", QOp::kGe}, {"<=", QOp::kLe}, {">", QOp::kGt},        {"<", QOp::kLt},
    };
    for (const auto& [text, op] : kOps) {
      if (LookingAt(text)) {
        pos_ += text.size();
        return op;
      }
    }
    return std::nullopt;
  }

  Result<std::string> ParseName() {
    size_t start = pos_;
    while (!AtEnd() && IsNameChar(q_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected an attribute name", pos_);
    return std::string(q_.substr(start, pos_ - start));
  }

  std::string Expand(std::string_view term) const {
    std::string expanded = expand_ ? expand_(term) : std::string();
    return expanded.empty() ? std::string(term) : expanded;
  }

  // Path := Name ('.' Name)* ('[' Key ']')*; after the first '[' a '.' step is a JSON member too.
  Result<QPath> ParsePath() {
    QPath path;
    size_t start = pos_;
    std::vector<std::string> names;
    CIVITAS_ASSIGN_OR_RETURN(std::string first, ParseName());
    names.push_back(std::move(first));
    while (Peek() == '.' || Peek() == '[') {
      bool in_value = !path.keys.empty();
      if (Peek() == '.') {
        if (LookingAt("..")) break;
        ++pos_;
        CIVITAS_ASSIGN_OR_RETURN(std::string name, ParseName());
        (in_value ? path.keys : names).push_back(std::move(name));
        continue;
      }
      size_t open = pos_++;
      size_t key_start = pos_;
      while (!AtEnd() && q_[pos_] != ']' && q_[pos_] != '[') ++pos_;
      if (Peek() != ']') {
        return Error("expected ']'", pos_, "to close the '[' at offset " + std::to_string(open));
      }
      if (pos_ == key_start) return Error("expected a member name inside '[]'", pos_);
      path.keys.emplace_back(q_.substr(key_start, pos_ - key_start));
      ++pos_;
    }
    path.text = std::string(q_.substr(start, pos_ - start));
    if (names.size() >= 2 && path.keys.empty()) {
      if (auto meta = MetaFromName(names.back())) {
        path.meta = *meta;
        names.pop_back();
      }
    }
    for (const auto& name : names) path.attrs.push_back(Expand(name));
    return path;
  }

  Result<QValue> ParseValue(std::string_view after) {
    SkipSpace();
    size_t start = pos_;
    QValue value;
    if (Peek() == '"') {
      CIVITAS_ASSIGN_OR_RETURN(value.text, ParseQuoted(/*keep_backslashes=*/false));
      FinishString(value);
      return value;
    }
    while (!AtEnd() && !EndsUnquoted(q_[pos_]) && !LookingAt("..")) ++pos_;
    std::string_view token = q_.substr(start, pos_ - start);
    if (token.empty()) return Error("expected a value after '" + std::string(after) + "'", pos_);
    value.text = std::string(token);
    if (token == "true" || token == "false") {
      value.kind = QValue::Kind::kBool;
      value.boolean = token == "true";
    } else if (auto number = ParseNumber(token)) {
      value.kind = QValue::Kind::kNumber;
      value.number = *number;
    } else if (token.find_first_of("Tt") != std::string_view::npos && token.size() >= 16 &&
               IsDateOnly(token.substr(0, 10))) {
      auto t = ParseTimestamp(token);
      if (!t.ok()) return Error("'" + value.text + "' is not a valid date-time", start);
      value.kind = QValue::Kind::kDateTime;
      value.time = *t;
    } else {
      FinishString(value);
    }
    return value;
  }

  void FinishString(QValue& value) const {
    value.kind = QValue::Kind::kString;
    value.time = ParseQueryTime(value.text);
    bool term_like = !value.text.empty() && value.text.size() <= 256 &&
                     value.text.find_first_of(" \t\r\n") == std::string::npos;
    if (term_like) {
      std::string expanded = Expand(value.text);
      if (expanded != value.text) value.expanded = std::move(expanded);
    }
  }

  // A "..."-quoted literal starting at pos_. \" always stands for ". Other escapes become the
  // escaped character, except in regular expressions where the backslash is kept for the engine.
  Result<std::string> ParseQuoted(bool keep_backslashes) {
    size_t open = pos_++;
    std::string out;
    while (!AtEnd() && q_[pos_] != '"') {
      char c = q_[pos_++];
      if (c == '\\' && !AtEnd()) {
        char next = q_[pos_++];
        if (keep_backslashes && next != '"') out.push_back('\\');
        out.push_back(next);
        continue;
      }
      out.push_back(c);
    }
    if (AtEnd()) return Error("unterminated string starting", open);
    ++pos_;
    return out;
  }

  // Unquoted, a regular expression runs to the first ';' or '|' outside its own groups and
  // character classes, or to a ')' that would close an enclosing query group.
  Status ParsePattern(QNode& node, std::string_view op_text) {
    size_t start = pos_;
    std::string pattern;
    if (Peek() == '"') {
      CIVITAS_ASSIGN_OR_RETURN(pattern, ParseQuoted(/*keep_backslashes=*/true));
    } else {
      int depth = 0;
      bool in_class = false;
      while (!AtEnd()) {
        char c = q_[pos_];
        if (c == '\\') {
          pos_ = std::min(pos_ + 2, q_.size());
          continue;
        }
        if (in_class) {
          if (c == ']') in_class = false;
        } else if (c == '[') {
          in_class = true;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')') {
          if (depth == 0) break;
          --depth;
        } else if ((c == ';' || c == '|') && depth == 0) {
          break;
        }
        ++pos_;
      }
      pattern = std::string(q_.substr(start, pos_ - start));
    }
    if (pattern.empty()) {
      return Error("expected a regular expression after '" + std::string(op_text) + "'", start);
    }
    if (pattern.size() > kMaxPatternLength) {
      return Error(
          "regular expression longer than " + std::to_string(kMaxPatternLength) + " characters",
          start);
    }
    auto flags = std::regex::ECMAScript | std::regex::optimize | kEngineFlags;
    std::string_view body = pattern;
    if (body.starts_with("(?i)")) {
      flags |= std::regex::icase;
      body.remove_prefix(4);
    }
    if (ExpandedPatternSize(body) > kMaxPatternLength) {
      return Error("regular expression larger than " + std::to_string(kMaxPatternLength) +
                       " characters once its counted repetitions are expanded",
                   start);
    }
    // Matching the whole subject against .*(?:body).* in the breadth-first engine finds an
    // occurrence in one pass over the subject: time linear in its length times the pattern size,
    // stack depth independent of the subject. regex_search would restart at every offset.
    std::string wrapped = "[\\s\\S]*(?:";
    wrapped.append(body);
    wrapped.append(")[\\s\\S]*");
    // std::regex reports bad patterns by throwing; nothing may escape the parser.
    try {
      std::regex validate(body.begin(), body.end(), flags);  // the wrapper must not mask errors
      node.regex.emplace(wrapped, flags);
    } catch (const std::exception& e) {
      return Error("invalid regular expression '" + pattern + "'", start, e.what());
    }
    QValue text;
    text.text = std::move(pattern);
    node.values.push_back(std::move(text));
    return Status::Ok();
  }

  std::string_view q_;
  const TermExpander& expand_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<const QNode>> ParseQTree(std::string_view q, const TermExpander& expand) {
  return Parser(q, expand).Parse();
}

}  // namespace civitas::query::internal
