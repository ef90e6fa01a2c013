#include "civitas/model/json_text.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace civitas::model {
namespace {

bool NeedsEscape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

// Whether one of the eight bytes of `word` needs escaping ("Bit Twiddling Hacks": `haszero`,
// `hasless`, exact as a yes/no; bytes of UTF-8 sequences, >= 0x80, never match).
bool AnyNeedsEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  auto has_zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHighBits; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  return (below_space | has_zero_byte(word ^ (kOnes * '"')) |
          has_zero_byte(word ^ (kOnes * '\\'))) != 0;
}

void AppendEscapeOf(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out.append("\\\"");
      break;
    case '\\':
      out.append("\\\\");
      break;
    case '\n':
      out.append("\\n");
      break;
    case '\r':
      out.append("\\r");
      break;
    case '\t':
      out.append("\\t");
      break;
    case '\b':
      out.append("\\b");
      break;
    case '\f':
      out.append("\\f");
      break;
    default:
      out.append("\\u00");
      out.push_back(kHex[(c >> 4) & 0xf]);
      out.push_back(kHex[c & 0xf]);
  }
}

// Appends runs of plain characters in one go (almost every string, names, IRIs, timestamps, is
// a single run), found eight bytes at a time: a response of a few hundred entities escapes
// ~100 KB of strings, which a byte loop took a third of q3's instructions to scan.
void AppendEscaped(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t run = 0;  // where the plain characters not yet appended start
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (!AnyNeedsEscape(word)) {
        i += 8;
        continue;
      }
    }
    const char c = s[i++];
    if (!NeedsEscape(c)) continue;
    out.append(s.data() + run, i - 1 - run);
    run = i;
    AppendEscapeOf(out, c);
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

template <typename T>
void AppendNumber(std::string& out, T v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace

void AppendJsonText(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out.append("null");
      return;
    case boost::json::kind::bool_:
      out.append(value.get_bool() ? "true" : "false");
      return;
    case boost::json::kind::int64:
      AppendNumber(out, value.get_int64());
      return;
    case boost::json::kind::uint64:
      AppendNumber(out, value.get_uint64());
      return;
    case boost::json::kind::double_: {
      const double v = value.get_double();
      if (!std::isfinite(v)) {
        out.append("null");
      } else if (v == 0 && std::signbit(v)) {
        out.append("-0.0");  // shortest is "-0", which JSON readers take for the integer 0
      } else if (std::abs(v) >= 0x1p63) {
        // Shortest would print 5.5545555555555556e19 as "55545555555555556000": an integer
        // too large for 64-bit JSON readers (simdjson, which reads stored values, refuses it).
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
        out.append(buf, end);
      } else {
        AppendNumber(out, v);
      }
      return;
    }
    case boost::json::kind::string:
      AppendEscaped(out, value.get_string());
      return;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonText(out, item);
      }
      out.push_back(']');
      return;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        AppendEscaped(out, key);
        out.push_back(':');
        AppendJsonText(out, item);
      }
      out.push_back('}');
      return;
    }
  }
}

void AppendJsonString(std::string& out, std::string_view s) { AppendEscaped(out, s); }

std::string ToJsonText(const boost::json::value& value) {
  std::string out;
  out.reserve(256);
  AppendJsonText(out, value);
  return out;
}

void AppendJsonKey(std::string& out, std::string_view name) {
  if (!out.empty() && out.back() != '{' && out.back() != '[') out.push_back(',');
  AppendEscaped(out, name);
  out.push_back(':');
}

void AppendJsonStringMember(std::string& out, std::string_view name, std::string_view value) {
  AppendJsonKey(out, name);
  AppendEscaped(out, value);
}

}  // namespace civitas::model
