#include "civitas/ingest/line_protocol.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace civitas::ingest {
namespace {

int64_t NanosecondsPer(LpPrecision precision) {
  switch (precision) {
    case LpPrecision::kNanoseconds:
      return 1;
    case LpPrecision::kMicroseconds:
      return 1000;
    case LpPrecision::kMilliseconds:
      return 1000 * 1000;
    case LpPrecision::kSeconds:
      return 1000 * 1000 * 1000;
    case LpPrecision::kMinutes:
      return int64_t{60} * 1000 * 1000 * 1000;
    case LpPrecision::kHours:
      return int64_t{3600} * 1000 * 1000 * 1000;
  }
  return 1;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsTrimmed(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status LineError(int64_t line_number, size_t column, std::string_view what) {
  return BadRequestData("line " + std::to_string(line_number) + ", column " +
                        std::to_string(column + 1) + ": " + std::string(what));
}

// The end of a name or tag value starting at `pos`: the first unescaped ',' or ' ' (and '=' when
// `stop_at_equals`). A backslash takes the next character with it; `escaped` tells the caller
// that the token needs unescaping.
size_t ScanName(std::string_view s, size_t pos, bool stop_at_equals, bool& escaped) {
  const size_t n = s.size();
  while (pos < n) {
    const char c = s[pos];
    if (c == '\\') {
      escaped = true;
      pos += pos + 1 < n ? 2 : 1;
      continue;
    }
    if (c == ',' || c == ' ' || (stop_at_equals && c == '=')) break;
    ++pos;
  }
  return pos;
}

// The end of a line that holds a double quote, by InfluxDB's rule: in the field set (after the
// first unescaped space) a '"' that follows more '=' than ',' opens or closes a string value, and
// a '\n' inside one does not end the line. `newlines` counts the '\n' inside.
size_t QuotedLineEnd(std::string_view s, size_t pos, int64_t& newlines) {
  const size_t n = s.size();
  bool fields = false, quoted = false;
  int64_t equals = 0, commas = 0;
  while (pos < n) {
    const char c = s[pos];
    // An escaped '\n' outside a string still ends the line (names cannot hold line breaks).
    if (c == '\\' && pos + 1 < n && (quoted || s[pos + 1] != '\n')) {
      if (s[pos + 1] == '\n') ++newlines;
      pos += 2;
      continue;
    }
    if (c == '\n') {
      if (!quoted) return pos;
      ++newlines;
    } else if (c == ' ' && !quoted) {
      fields = true;
    } else if (fields) {
      if (!quoted && c == '=') {
        ++equals;
      } else if (!quoted && c == ',') {
        ++commas;
      } else if (c == '"' && equals > commas) {
        quoted = !quoted;
      }
    }
    ++pos;
  }
  return n;
}

// Strict float syntax first: from_chars would also take "inf", "nan" and hex forms, which are
// not line protocol.
bool IsFloatSyntax(std::string_view s) {
  size_t i = 0, digits = 0;
  if (i < s.size() && s[i] == '-') ++i;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == s.size();
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// Parses an unquoted field value. Returns "" or what is wrong with it.
std::string_view ParseUnquoted(std::string_view v, LpField& field) {
  const char first = v.front();
  if (first == 't' || first == 'T' || first == 'f' || first == 'F') {
    field.type = LpFieldType::kBoolean;
    if (v == "t" || v == "T" || v == "true" || v == "True" || v == "TRUE") {
      field.bool_value = true;
    } else if (v == "f" || v == "F" || v == "false" || v == "False" || v == "FALSE") {
      field.bool_value = false;
    } else {
      return "invalid boolean";
    }
    return {};
  }
  const char last = v.back();
  if (last == 'i') {
    field.type = LpFieldType::kInteger;
    std::string_view digits = v.substr(0, v.size() - 1);
    if (!AllDigits(digits.starts_with('-') ? digits.substr(1) : digits)) return "invalid integer";
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), field.int_value);
    if (ec != std::errc()) return "integer out of range";
    return {};
  }
  if (last == 'u') {
    field.type = LpFieldType::kUnsigned;
    std::string_view digits = v.substr(0, v.size() - 1);
    if (!AllDigits(digits)) return "invalid unsigned integer";
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), field.uint_value);
    if (ec != std::errc()) return "unsigned integer out of range";
    return {};
  }
  field.type = LpFieldType::kFloat;
  if (!IsFloatSyntax(v)) return "invalid field value";
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), field.float_value);
  if (ec == std::errc::result_out_of_range) {
    // Rare: tell an underflow (a tiny value, rounded to zero or a subnormal as InfluxDB does)
    // from an overflow (rejected).
    const double rounded = std::strtod(std::string(v).c_str(), nullptr);
    if (!std::isfinite(rounded)) return "float out of range";
    field.float_value = rounded;
    return {};
  }
  if (ec != std::errc() || !std::isfinite(field.float_value)) return "invalid field value";
  return {};
}

void AppendName(std::string& out, std::string_view name, bool escape_equals) {
  for (char c : name) {
    if (c == '\\' || c == ',' || c == ' ' || (escape_equals && c == '=')) out += '\\';
    out += c;
  }
}

}  // namespace

std::optional<LpPrecision> ParseLpPrecision(std::string_view text) {
  if (text == "ns" || text == "n") return LpPrecision::kNanoseconds;
  if (text == "us" || text == "u") return LpPrecision::kMicroseconds;
  if (text == "ms") return LpPrecision::kMilliseconds;
  if (text == "s") return LpPrecision::kSeconds;
  if (text == "m") return LpPrecision::kMinutes;
  if (text == "h") return LpPrecision::kHours;
  return std::nullopt;
}

bool LpLineReader::Next(std::string_view& line) {
  const size_t n = body_.size();
  while (pos_ < n) {
    size_t start = pos_;
    while (start < n && IsTrimmed(body_[start])) ++start;
    line_number_ = newlines_before_ + 1;
    const void* nl = start < n ? std::memchr(body_.data() + start, '\n', n - start) : nullptr;
    size_t end =
        nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - body_.data()) : n;
    const bool comment = start < n && body_[start] == '#';
    if (!comment && std::memchr(body_.data() + start, '"', end - start) != nullptr) {
      int64_t inside = 0;
      end = QuotedLineEnd(body_, start, inside);
      newlines_before_ += inside;
    }
    if (end < n) ++newlines_before_;
    pos_ = end < n ? end + 1 : n;
    size_t stop = end;
    while (stop > start && IsTrimmed(body_[stop - 1])) --stop;
    if (stop == start || comment) continue;
    line = body_.substr(start, stop - start);
    return true;
  }
  return false;
}

// Unescaped names and string values: blocks that never move, so views into them stay valid.
struct LpParser::Arena {
  std::vector<std::unique_ptr<char[]>> blocks;
  char* next = nullptr;
  size_t left = 0;

  char* Allocate(size_t size) {
    if (size > left) {
      const size_t block = std::max<size_t>(size, 16 * 1024);
      blocks.push_back(std::make_unique_for_overwrite<char[]>(block));
      next = blocks.back().get();
      left = block;
    }
    char* out = next;
    next += size;
    left -= size;
    return out;
  }
};

LpParser::LpParser(LpPrecision precision, int64_t now_ns)
    : precision_(precision), now_ns_(now_ns), arena_(std::make_unique<Arena>()) {}

LpParser::~LpParser() = default;

// A backslash escapes the separators of its element and itself; before any other character it
// is literal (InfluxDB's reference: "\\" reads as "\", "\x" as "\x").
std::string_view LpParser::Unescape(std::string_view raw, bool string_value, bool equals_special) {
  char* out = arena_->Allocate(raw.size());
  size_t size = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      const char next = raw[i + 1];
      const bool special = string_value ? next == '"' || next == '\\'
                                        : next == ',' || next == ' ' || next == '\\' ||
                                              (equals_special && next == '=');
      if (special) {
        out[size++] = next;
        ++i;
        continue;
      }
    }
    out[size++] = raw[i];
  }
  return {out, size};
}

// The name or tag value at `pos`, up to its first unescaped separator, unescaped; `pos` moves
// past it. Measurements stop at ',' and ' ', keys and tag values also at '=' (and unescape it).
std::string_view LpParser::TakeName(std::string_view line, size_t& pos, bool equals) {
  bool escaped = false;
  const size_t start = pos;
  pos = ScanName(line, pos, equals, escaped);
  std::string_view raw = line.substr(start, pos - start);
  return escaped ? Unescape(raw, false, equals) : raw;
}

// A tag or field key and the '=' after it.
Status LpParser::TakeKey(std::string_view line, size_t& pos, int64_t line_number,
                         std::string_view element, std::string_view& key) {
  const size_t start = pos;
  key = TakeName(line, pos, true);
  if (pos == start)
    return LineError(line_number, start, "missing " + std::string(element) + " key");
  if (pos >= line.size() || line[pos] != '=') {
    return LineError(line_number, pos, "missing " + std::string(element) + " value");
  }
  ++pos;
  return Status::Ok();
}

Status LpParser::ParseLine(std::string_view line, int64_t line_number, LpPoint& point) {
  point.tags.clear();
  point.fields.clear();
  const size_t n = line.size();
  size_t pos = 0;
  point.measurement = TakeName(line, pos, false);
  if (pos == 0) return LineError(line_number, 0, "missing measurement");

  while (pos < n && line[pos] == ',') {
    const size_t key_start = ++pos;
    LpTag tag;
    CIVITAS_RETURN_IF_ERROR(TakeKey(line, pos, line_number, "tag", tag.key));
    const size_t value_start = pos;
    tag.value = TakeName(line, pos, true);
    if (pos == value_start) return LineError(line_number, value_start, "missing tag value");
    if (pos < n && line[pos] == '=') {
      return LineError(line_number, pos, "unescaped '=' in a tag value");
    }
    for (const LpTag& earlier : point.tags) {
      if (earlier.key == tag.key) return LineError(line_number, key_start, "duplicate tag key");
    }
    point.tags.push_back(tag);
  }
  while (pos < n && IsBlank(line[pos])) ++pos;
  if (pos >= n) return LineError(line_number, pos, "missing fields");

  for (;;) {
    LpField field;
    CIVITAS_RETURN_IF_ERROR(TakeKey(line, pos, line_number, "field", field.key));
    const size_t value_start = pos;
    if (pos < n && line[pos] == '"') {
      bool escaped = false;
      ++pos;
      while (pos < n && line[pos] != '"') {
        if (line[pos] == '\\' && pos + 1 < n) escaped = true, ++pos;
        ++pos;
      }
      if (pos >= n) return LineError(line_number, value_start, "unterminated string value");
      field.type = LpFieldType::kString;
      field.string_value = line.substr(value_start + 1, pos - value_start - 1);
      if (escaped) field.string_value = Unescape(field.string_value, true, false);
      ++pos;
      if (pos < n && line[pos] != ',' && !IsBlank(line[pos])) {
        return LineError(line_number, pos, "text after a string value");
      }
    } else {
      while (pos < n && line[pos] != ',' && !IsBlank(line[pos])) ++pos;
      if (pos == value_start) return LineError(line_number, value_start, "missing field value");
      std::string_view wrong = ParseUnquoted(line.substr(value_start, pos - value_start), field);
      if (!wrong.empty()) return LineError(line_number, value_start, wrong);
    }
    // A repeated key: the last value wins (as in InfluxDB), in the first one's place.
    auto same = std::find_if(point.fields.begin(), point.fields.end(),
                             [&](const LpField& f) { return f.key == field.key; });
    if (same != point.fields.end()) {
      *same = field;
    } else {
      point.fields.push_back(field);
    }
    if (pos < n && line[pos] == ',') {
      ++pos;
      continue;
    }
    break;
  }

  const int64_t unit = NanosecondsPer(precision_);
  if (pos >= n) {
    point.has_timestamp = false;
    point.timestamp_ns = now_ns_ - (((now_ns_ % unit) + unit) % unit);
    return Status::Ok();
  }
  while (pos < n && IsBlank(line[pos])) ++pos;
  const size_t ts_start = pos;
  while (pos < n && !IsBlank(line[pos])) ++pos;
  std::string_view ts = line.substr(ts_start, pos - ts_start);
  if (pos < n) return LineError(line_number, pos, "text after the timestamp");
  if (!AllDigits(ts.starts_with('-') ? ts.substr(1) : ts)) {
    return LineError(line_number, ts_start, "invalid timestamp");
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), value);
  int64_t ns = 0;
  if (ec != std::errc() || __builtin_mul_overflow(value, unit, &ns) || ns < kLpMinTimeNs ||
      ns > kLpMaxTimeNs) {
    return LineError(line_number, ts_start, "timestamp out of range");
  }
  point.timestamp_ns = ns;
  point.has_timestamp = true;
  return Status::Ok();
}

void FormatLpPoint(const LpPoint& point, std::string& out) {
  AppendName(out, point.measurement, false);
  for (const LpTag& tag : point.tags) {
    out += ',';
    AppendName(out, tag.key, true);
    out += '=';
    AppendName(out, tag.value, true);
  }
  out += ' ';
  char number[32];
  for (size_t i = 0; i < point.fields.size(); ++i) {
    const LpField& f = point.fields[i];
    if (i > 0) out += ',';
    AppendName(out, f.key, true);
    out += '=';
    switch (f.type) {
      case LpFieldType::kFloat: {
        auto [end, ec] = std::to_chars(number, number + sizeof number, f.float_value);
        out.append(number, end);
        break;
      }
      case LpFieldType::kInteger: {
        auto [end, ec] = std::to_chars(number, number + sizeof number, f.int_value);
        out.append(number, end).append("i");
        break;
      }
      case LpFieldType::kUnsigned: {
        auto [end, ec] = std::to_chars(number, number + sizeof number, f.uint_value);
        out.append(number, end).append("u");
        break;
      }
      case LpFieldType::kBoolean:
        out += f.bool_value ? "true" : "false";
        break;
      case LpFieldType::kString:
        out += '"';
        for (char c : f.string_value) {
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
        out += '"';
        break;
    }
  }
  if (point.has_timestamp) {
    auto [end, ec] = std::to_chars(number, number + sizeof number, point.timestamp_ns);
    out.append(" ").append(number, end);
  }
}

}  // namespace civitas::ingest
