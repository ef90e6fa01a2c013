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

Result<RetentionConfig> ParseRetention(const YAML::Node& node) {
  RetentionConfig config;
  CIVITAS_RETURN_IF_ERROR(CheckKeys(node, "retention", {"context", "rules"}));
  if (const YAML::Node context = node["context"]) {
    if (context.IsScalar()) {
      config.context.push_back(context.Scalar());
    } else if (context.IsSequence()) {
      for (size_t i = 0; i < context.size(); ++i) {
        CIVITAS_ASSIGN_OR_RETURN(
            std::string url, ScalarAt(context[i], "retention.context[" + std::to_string(i) + "]"));
        config.context.push_back(std::move(url));
      }
    } else {
      return Bad("retention.context", "expected a URL or a list of URLs");
    }
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
    CIVITAS_RETURN_IF_ERROR(CheckKeys(root, "top level", {"retention"}));
    if (const YAML::Node retention = root["retention"]) {
      CIVITAS_ASSIGN_OR_RETURN(config.retention, ParseRetention(retention));
    }
  } catch (const YAML::Exception& e) {
    return InvalidRequest(std::string("civitas.yaml: ") + e.what());
  }
  return config;
}

}  // namespace civitas
