#pragma once

// The InfluxDB line protocol as Telegraf and InfluxDB clients send it
// (docs/formats/line-protocol.md): a request body split into lines, each line parsed into a
// point, and a point formatted back. Pure: no I/O, no clock (`now` is a parameter).
//
// Zero-copy: names and values are views into the body, unless they hold an escape sequence;
// those are unescaped into the parser's arena. Once the parser's buffers have grown, parsing a
// line allocates nothing. Errors are kBadRequestData saying which line and column and what is
// wrong, never the text of the line (payloads may carry MAC addresses or e-mails).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"

namespace civitas::ingest {

// The unit of the timestamps in a request (the `precision` query parameter).
enum class LpPrecision : uint8_t {
  kNanoseconds,
  kMicroseconds,
  kMilliseconds,
  kSeconds,
  kMinutes,
  kHours,
};

// "ns"/"n", "us"/"u", "ms", "s" (InfluxDB 2), "m", "h" (InfluxDB 1.x); nullopt for anything else.
std::optional<LpPrecision> ParseLpPrecision(std::string_view text);

// InfluxDB's valid time range, in nanoseconds since the Unix epoch (about 1677..2262).
inline constexpr int64_t kLpMinTimeNs = INT64_MIN + 2;
inline constexpr int64_t kLpMaxTimeNs = INT64_MAX - 1;

enum class LpFieldType : uint8_t { kFloat, kInteger, kUnsigned, kString, kBoolean };

struct LpField {
  std::string_view key{};
  LpFieldType type = LpFieldType::kFloat;
  double float_value = 0;           // kFloat: finite
  int64_t int_value = 0;            // kInteger
  uint64_t uint_value = 0;          // kUnsigned
  bool bool_value = false;          // kBoolean
  std::string_view string_value{};  // kString, unescaped

  friend bool operator==(const LpField&, const LpField&) = default;
};

struct LpTag {
  std::string_view key;
  std::string_view value;  // never empty

  friend bool operator==(const LpTag&, const LpTag&) = default;
};

// One point. The views stay valid as long as the parsed text and the parser that parsed it.
struct LpPoint {
  std::string_view measurement;  // never empty
  std::vector<LpTag> tags;       // in line order; keys unique and non-empty
  // In line order, keys unique and non-empty, at least one: a repeated key keeps its first
  // position and its last value (InfluxDB: the last one wins).
  std::vector<LpField> fields;
  // Nanoseconds since the Unix epoch in [kLpMinTimeNs, kLpMaxTimeNs]: the line's timestamp in
  // the request's precision, or, when the line has none, the parser's `now` truncated to it.
  int64_t timestamp_ns = 0;
  bool has_timestamp = false;  // false: timestamp_ns is the server's time

  friend bool operator==(const LpPoint&, const LpPoint&) = default;
};

// The lines of a body that hold points: blank lines and comments ('#' as the first character
// after leading spaces and tabs) are skipped; a line's leading and trailing spaces, tabs and
// '\r' are trimmed. A line ends at a '\n' that is not inside a quoted string field value
// (InfluxDB's rule), so a string value may hold a line break.
class LpLineReader {
 public:
  explicit LpLineReader(std::string_view body) : body_(body) {}
  // The next line holding a point, without its line break; false at the end of the body.
  bool Next(std::string_view& line);
  // The 1-based number of the line Next returned last (counting every '\n' before it).
  int64_t line_number() const { return line_number_; }

 private:
  std::string_view body_;
  size_t pos_ = 0;
  int64_t line_number_ = 0;
  int64_t newlines_before_ = 0;  // '\n' characters before pos_
};

// Parses lines into points. Not thread-safe; one per request. Unescaped names and values live
// in the parser, so points parsed earlier stay valid while later lines are parsed.
class LpParser {
 public:
  // `now_ns`: the time given to lines without a timestamp (truncated to `precision`).
  LpParser(LpPrecision precision, int64_t now_ns);
  ~LpParser();
  LpParser(const LpParser&) = delete;
  LpParser& operator=(const LpParser&) = delete;

  // Parses one line as LpLineReader returns it (`line_number` is used in messages only) into
  // `point`, reusing its vectors. kBadRequestData "line N, column C: <what>" for a malformed
  // line; `point` is then unspecified. Floats must be finite (NaN and infinities are not line
  // protocol), integers fit 64 bits, timestamps InfluxDB's range.
  Status ParseLine(std::string_view line, int64_t line_number, LpPoint& point);

 private:
  struct Arena;
  std::string_view Unescape(std::string_view raw, bool string_value, bool equals_special);
  std::string_view TakeName(std::string_view line, size_t& pos, bool equals);
  Status TakeKey(std::string_view line, size_t& pos, int64_t line_number, std::string_view element,
                 std::string_view& key);

  LpPrecision precision_;
  int64_t now_ns_;
  std::unique_ptr<Arena> arena_;
};

// Appends `point` to `out` as one line protocol line with a nanosecond timestamp (none when
// !has_timestamp), escaped so that LpLineReader + LpParser (precision ns) give the point back.
// No trailing newline. Precondition: the point is one LpParser could have produced.
void FormatLpPoint(const LpPoint& point, std::string& out);

}  // namespace civitas::ingest
