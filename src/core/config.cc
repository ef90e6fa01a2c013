#include "civitas/core/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>

namespace civitas {
namespace {

using std::chrono::seconds;

Status Bad(const std::string& where, const std::string& what) {
  return InvalidRequest("civitas.yaml: " + where + ": " + what);
}

Status CheckKeys(const YAML::Node& map, const std::string& where,
                 std::initializer_list<std::string_view> known) {
  if (!map.IsMap()) return Bad(where, "expected a mapping");
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) return Bad(where, "keys must be plain names");
    const std::string key = entry.first.Scalar();
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) return Bad(where, "unknown key '" + key + "'");
  }
  return Status::Ok();
}

Result<std::string> ScalarAt(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) return Bad(where, "expected a single value");
  return node.Scalar();
}

Result<seconds> PeriodAt(const YAML::Node& node, const std::string& where) {
  CIVITAS_ASSIGN_OR_RETURN(std::string text, ScalarAt(node, where));
  auto period = ParseRetentionPeriod(text);
  if (!period.ok()) return Bad(where, period.status().message());
  return *period;
}

// A single value or a list of them (context URLs, id tags).
Result<std::vector<std::string>> ScalarsAt(const YAML::Node& node, const std::string& where) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      CIVITAS_ASSIGN_OR_RETURN(std::string v,
                               ScalarAt(node[i], where + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(v));
    }
  } else {
    return Bad(where, "expected a value or a list of values");
  }
  for (const auto& v : out) {
    if (v.empty()) return Bad(where, "holds an empty value");
  }
  return out;
}

Result<RetentionConfig> ParseRetention(const YAML::Node& node) {
  RetentionConfig config;
  CIVITAS_RETURN_IF_ERROR(CheckKeys(node, "retention", {"context", "rules"}));
  if (const YAML::Node context = node["context"]) {
    CIVITAS_ASSIGN_OR_RETURN(config.context, ScalarsAt(context, "retention.context"));
  }
  const YAML::Node rules = node["rules"];
  if (!rules) return config;
  if (!rules.IsSequence()) return Bad("retention.rules", "expected a list");
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string where = "retention.rules[" + std::to_string(i) + "]";
    CIVITAS_RETURN_IF_ERROR(CheckKeys(rules[i], where, {"type", "raw", "hourly", "modifiedAt"}));
    RetentionConfigRule rule;
    if (!rules[i]["type"]) return Bad(where, "needs a type (or \"*\" for the default rule)");
    CIVITAS_ASSIGN_OR_RETURN(rule.type, ScalarAt(rules[i]["type"], where + ".type"));
    if (rule.type.empty()) return Bad(where + ".type", "is empty");
    if (!rules[i]["raw"]) return Bad(where, "needs raw (how long raw samples are kept)");
    CIVITAS_ASSIGN_OR_RETURN(rule.raw, PeriodAt(rules[i]["raw"], where + ".raw"));
    if (rules[i]["hourly"]) {
      CIVITAS_ASSIGN_OR_RETURN(rule.hourly, PeriodAt(rules[i]["hourly"], where + ".hourly"));
      if (rule.hourly <= rule.raw) {
        return Bad(where + ".hourly", "must be longer than raw (rollups outlive raw samples)");
      }
    }
    if (rules[i]["modifiedAt"]) {
      CIVITAS_ASSIGN_OR_RETURN(std::string keep,
                               ScalarAt(rules[i]["modifiedAt"], where + ".modifiedAt"));
      if (keep != "true" && keep != "false")
        return Bad(where + ".modifiedAt", "expected true or false");
      rule.modified_at = keep == "true";
    }
    for (const auto& earlier : config.rules) {
      if (earlier.type == rule.type) return Bad(where, "a second rule for '" + rule.type + "'");
    }
    config.rules.push_back(std::move(rule));
  }
  return config;
}

// An optional non-empty name: "" when the key is absent.
Result<std::string> NameAt(const YAML::Node& map, const char* key, const std::string& where) {
  const YAML::Node node = map[key];
  if (!node) return std::string();
  CIVITAS_ASSIGN_OR_RETURN(std::string value, ScalarAt(node, where + "." + key));
  if (value.empty()) return Bad(where + "." + key, "is empty");
  return value;
}

Result<IngestMappingConfig> ParseIngestMapping(const YAML::Node& node, const std::string& where) {
  CIVITAS_RETURN_IF_ERROR(CheckKeys(node, where,
                                    {"measurement", "type", "id", "idPrefix", "observedAt",
                                     "longitude", "latitude", "attributes", "unmapped"}));
  IngestMappingConfig m;
  CIVITAS_ASSIGN_OR_RETURN(m.measurement, NameAt(node, "measurement", where));
  if (m.measurement.empty()) return Bad(where, "needs a measurement (or \"*\")");
  CIVITAS_ASSIGN_OR_RETURN(m.type, NameAt(node, "type", where));
  if (const YAML::Node id = node["id"]) {
    CIVITAS_ASSIGN_OR_RETURN(m.id, ScalarsAt(id, where + ".id"));
    if (m.id.empty()) return Bad(where + ".id", "is empty");
  }
  CIVITAS_ASSIGN_OR_RETURN(m.id_prefix, NameAt(node, "idPrefix", where));
  CIVITAS_ASSIGN_OR_RETURN(m.observed_at, NameAt(node, "observedAt", where));
  CIVITAS_ASSIGN_OR_RETURN(m.longitude, NameAt(node, "longitude", where));
  CIVITAS_ASSIGN_OR_RETURN(m.latitude, NameAt(node, "latitude", where));
  if (m.longitude.empty() != m.latitude.empty()) {
    return Bad(where, "longitude and latitude go together");
  }
  CIVITAS_ASSIGN_OR_RETURN(std::string unmapped, NameAt(node, "unmapped", where));
  if (!unmapped.empty() && unmapped != "keep" && unmapped != "drop") {
    return Bad(where + ".unmapped", "must be keep or drop");
  }
  m.keep_unmapped = unmapped != "drop";
  const YAML::Node attributes = node["attributes"];
  if (!attributes) return m;
  if (!attributes.IsMap()) return Bad(where + ".attributes", "expected a mapping");
  for (const auto& entry : attributes) {
    if (!entry.first.IsScalar() || entry.first.Scalar().empty()) {
      return Bad(where + ".attributes", "keys must be plain names");
    }
    const std::string key = entry.first.Scalar();
    const std::string at = where + ".attributes." + key;
    IngestAttributeConfig a;
    if (!entry.second.IsNull()) {
      CIVITAS_RETURN_IF_ERROR(CheckKeys(entry.second, at, {"name", "unitCode", "type"}));
      CIVITAS_ASSIGN_OR_RETURN(a.name, NameAt(entry.second, "name", at));
      CIVITAS_ASSIGN_OR_RETURN(a.unit_code, NameAt(entry.second, "unitCode", at));
      CIVITAS_ASSIGN_OR_RETURN(std::string type, NameAt(entry.second, "type", at));
      if (!type.empty()) a.type = type;
      if (a.type != "auto" && a.type != "number" && a.type != "text" && a.type != "boolean") {
        return Bad(at + ".type", "must be auto, number, text or boolean");
      }
    }
    m.attributes.emplace(key, std::move(a));
  }
  return m;
}

Result<IngestConfig> ParseIngest(const YAML::Node& node) {
  IngestConfig config;
  CIVITAS_RETURN_IF_ERROR(CheckKeys(node, "ingest", {"context", "mappings"}));
  if (const YAML::Node context = node["context"]) {
    CIVITAS_ASSIGN_OR_RETURN(config.context, ScalarsAt(context, "ingest.context"));
  }
  const YAML::Node mappings = node["mappings"];
  if (!mappings) return config;
  if (!mappings.IsSequence()) return Bad("ingest.mappings", "expected a list");
  for (size_t i = 0; i < mappings.size(); ++i) {
    const std::string where = "ingest.mappings[" + std::to_string(i) + "]";
    CIVITAS_ASSIGN_OR_RETURN(IngestMappingConfig m, ParseIngestMapping(mappings[i], where));
    for (const auto& earlier : config.mappings) {
      if (earlier.measurement == m.measurement) {
        return Bad(where, "a second mapping for '" + m.measurement + "'");
      }
    }
    config.mappings.push_back(std::move(m));
  }
  return config;
}

}  // namespace

Result<seconds> ParseRetentionPeriod(std::string_view text) {
  const std::string shown = "'" + std::string(text) + "'";
  if (text.size() < 2) return InvalidRequest("period " + shown + " is not like 30d");
  int64_t n = 0;
  const char* end = text.data() + text.size() - 1;
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || ptr != end || n <= 0) {
    return InvalidRequest("period " + shown + " needs a positive whole number before its unit");
  }
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    case 'y':
      unit = 365 * 86400;
      break;
    default:
      return InvalidRequest("period " + shown + " has no unit s, m, h, d, w or y");
  }
  // Beyond 10,000 years the microsecond arithmetic of retention would overflow.
  if (n > 10000LL * 365 * 86400 / unit) return InvalidRequest("period " + shown + " is too long");
  return seconds(n * unit);
}

Result<ServerConfig> ParseServerConfig(std::string_view yaml) {
  ServerConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidRequest("civitas.yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return config;
  try {
    CIVITAS_RETURN_IF_ERROR(CheckKeys(root, "top level", {"retention", "ingest"}));
    if (const YAML::Node retention = root["retention"]) {
      CIVITAS_ASSIGN_OR_RETURN(config.retention, ParseRetention(retention));
    }
    if (const YAML::Node ingest = root["ingest"]) {
      CIVITAS_ASSIGN_OR_RETURN(config.ingest, ParseIngest(ingest));
    }
  } catch (const YAML::Exception& e) {
    return InvalidRequest(std::string("civitas.yaml: ") + e.what());
  }
  return config;
}

}  // namespace civitas
