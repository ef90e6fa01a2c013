#include "src/ingest/names.h"

#include <charconv>
#include <cmath>

namespace civitas::ingest {
namespace {

constexpr size_t kMaxNameBytes = 256;

bool IsControlOrSpace(unsigned char c) { return c <= 0x20 || c == 0x7f; }

}  // namespace

bool IsValidAttributeName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (unsigned char c : name) {
    if (IsControlOrSpace(c)) return false;
    switch (c) {
      case '<':
      case '>':
      case '"':
      case '\'':
      case '=':
      case ';':
      case '(':
      case ')':
      // '|' and '#' could never be sent back in an UltraLight command or measure.
      case '|':
      case '#':
        return false;
      default:
        break;
    }
  }
  return true;
}

bool IsReservedAttributeName(std::string_view name) {
  return name == "id" || name == "type" || name == "@context";
}

bool IsValidTopicSegment(std::string_view segment) {
  if (segment.empty() || segment.size() > kMaxNameBytes) return false;
  for (unsigned char c : segment) {
    if (IsControlOrSpace(c) || c == '/' || c == '+' || c == '#') return false;
  }
  return true;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> ParseFiniteDouble(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace civitas::ingest
