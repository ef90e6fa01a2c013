#include "civitas/ingest/iota_json.h"

#include <string>
#include <system_error>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "src/ingest/names.h"

namespace civitas::ingest {
namespace {

constexpr std::string_view kTimeInstant = "TimeInstant";

// Deep enough for any structured sensor value, shallow enough that hostile nesting is cheap.
constexpr size_t kMaxDepth = 32;

Result<boost::json::value> ParseJson(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxDepth;
  std::error_code ec;
  boost::json::value json = boost::json::parse(text, ec, {}, options);
  if (ec) return BadRequestData("IoT Agent JSON payload is not valid JSON: " + ec.message());
  return json;
}

Status ParseGroup(const boost::json::object& object, uint32_t index, bool in_array,
                  std::vector<Measure>& out) {
  const std::string where =
      in_array ? "IoT Agent JSON group " + std::to_string(index + 1) : "IoT Agent JSON payload";
  std::optional<Timestamp> observed_at;
  const size_t group_start = out.size();
  size_t position = 0;
  for (const auto& [key, value] : object) {
    ++position;
    const std::string member = where + ", member " + std::to_string(position);
    if (key == kTimeInstant) {
      if (!value.is_string()) return BadRequestData(member + ": TimeInstant must be a string");
      Result<Timestamp> t = ParseTimestamp(value.get_string());
      if (!t.ok()) {
        return BadRequestData(member + ": TimeInstant is not an ISO 8601 timestamp");
      }
      observed_at = *t;
      continue;
    }
    if (!IsValidAttributeName(key)) {
      return BadRequestData(member +
                            ": key is empty or has a character not allowed in attribute "
                            "names");
    }
    if (value.is_null()) {
      return BadRequestData(member + ": value is null (an NGSI-LD property cannot be null)");
    }
    out.push_back(Measure{std::string(key), value, std::nullopt, index});
  }
  if (out.size() == group_start) return BadRequestData(where + " carries no measures");
  for (size_t i = group_start; i < out.size(); ++i) out[i].observed_at = observed_at;
  return Status::Ok();
}

}  // namespace

Result<std::vector<Measure>> ParseIotaJson(std::string_view payload) {
  CIVITAS_ASSIGN_OR_RETURN(boost::json::value json, ParseJson(payload));
  std::vector<Measure> measures;
  if (json.is_object()) {
    CIVITAS_RETURN_IF_ERROR(ParseGroup(json.get_object(), 0, false, measures));
    return measures;
  }
  if (!json.is_array()) {
    return BadRequestData("IoT Agent JSON payload must be an object or an array of objects");
  }
  const boost::json::array& groups = json.get_array();
  if (groups.empty()) return BadRequestData("IoT Agent JSON payload is an empty array");
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g].is_object()) {
      return BadRequestData("IoT Agent JSON group " + std::to_string(g + 1) + " is not an object");
    }
    CIVITAS_RETURN_IF_ERROR(
        ParseGroup(groups[g].get_object(), static_cast<uint32_t>(g), true, measures));
  }
  return measures;
}

Result<Measure> ParseSingleMeasure(std::string_view object_id, std::string_view payload,
                                   SingleMeasureFormat format) {
  if (!IsValidAttributeName(object_id) || object_id == kTimeInstant) {
    return BadRequestData("single-measure topic names an attribute that is not allowed");
  }
  if (payload.empty()) return BadRequestData("single-measure payload is empty");
  Measure measure{std::string(object_id), boost::json::string(payload), std::nullopt, 0};
  if (format == SingleMeasureFormat::kJson) {
    // The IoT Agent JSON tries JSON first and falls back to the raw text, so `21.5` is a number
    // and `on` a string.
    Result<boost::json::value> json = ParseJson(payload);
    if (json.ok()) {
      if (json->is_null()) return BadRequestData("single-measure value is null");
      measure.value = std::move(json).value();
    }
  }
  return measure;
}

}  // namespace civitas::ingest
