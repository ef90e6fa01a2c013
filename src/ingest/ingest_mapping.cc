#include "civitas/ingest/ingest_mapping.h"

#include "civitas/model/entity.h"
#include "civitas/model/entity_json.h"

namespace civitas::ingest {
namespace {

Status Bad(const std::string& where, const std::string& what) {
  return InvalidRequest(where + ": " + what);
}

CsvValueType ValueTypeOf(const std::string& name) {
  if (name == "number") return CsvValueType::kNumber;
  if (name == "text") return CsvValueType::kText;
  if (name == "boolean") return CsvValueType::kBoolean;
  return CsvValueType::kAuto;
}

bool IdSafe(unsigned char c) {
  return c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != '"' && c != '{' && c != '}' &&
         c != '|' && c != '\\' && c != '^' && c != '`' && c != '%';
}

Result<EntityMapping> CompileOne(const IngestMappingConfig& config, const model::Context& context,
                                 const std::string& where) {
  EntityMapping m;
  m.measurement = config.measurement;
  m.type_term = config.type;
  if (!config.type.empty()) {
    auto type = AttributeIriOf(config.type, context, "the type");
    if (!type.ok()) return Bad(where + ".type", type.status().message());
    m.type = std::move(*type);
  }
  m.id_prefix = config.id_prefix;
  if (!m.id_prefix.empty() && !model::IsUri(m.id_prefix + "x")) {
    return Bad(where + ".idPrefix", "entity ids starting with it are not URIs");
  }
  m.id_keys = config.id;
  m.observed_at = config.observed_at;
  m.longitude = config.longitude;
  m.latitude = config.latitude;
  if (m.longitude.empty() != m.latitude.empty()) {
    return Bad(where, "longitude and latitude go together");
  }
  m.keep_unmapped = config.keep_unmapped;
  for (const auto& [source, a] : config.attributes) {
    const std::string& name = a.name.empty() ? source : a.name;
    auto iri = AttributeIriOf(name, context, "the attribute name");
    if (!iri.ok()) return Bad(where + ".attributes." + source, iri.status().message());
    m.attributes.emplace(source,
                         MappedAttribute{std::move(*iri), a.unit_code, ValueTypeOf(a.type)});
  }
  return m;
}

}  // namespace

Result<std::shared_ptr<const IngestMappings>> IngestMappings::Compile(
    const IngestConfig& config, std::shared_ptr<const model::Context> context,
    std::string_view origin) {
  std::shared_ptr<IngestMappings> out(new IngestMappings());
  out->context_ = std::move(context);
  for (size_t i = 0; i < config.mappings.size(); ++i) {
    const std::string where = std::string(origin) + "[" + std::to_string(i) + "]";
    CIVITAS_ASSIGN_OR_RETURN(EntityMapping m,
                             CompileOne(config.mappings[i], *out->context_, where));
    std::string measurement = m.measurement;
    if (!out->by_measurement_.emplace(measurement, std::move(m)).second) {
      return Bad(where, "a second mapping for '" + measurement + "'");
    }
  }
  if (auto star = out->by_measurement_.find("*"); star != out->by_measurement_.end()) {
    out->fallback_ = std::move(star->second);
    out->by_measurement_.erase(star);
  }
  return std::shared_ptr<const IngestMappings>(std::move(out));
}

const EntityMapping& IngestMappings::Find(std::string_view measurement) const {
  auto it = by_measurement_.find(measurement);
  return it != by_measurement_.end() ? it->second : fallback_;
}

Result<EntityTarget> TargetOf(const EntityMapping& mapping, std::string_view measurement,
                              const model::Context& context) {
  EntityTarget target;
  std::string_view term = mapping.type_term.empty() ? measurement : mapping.type_term;
  if (!mapping.type.empty()) {
    target.type = mapping.type;
  } else {
    CIVITAS_ASSIGN_OR_RETURN(target.type,
                             AttributeIriOf(measurement, context, "the measurement (the type)"));
  }
  if (!mapping.id_prefix.empty()) {
    target.id_prefix = mapping.id_prefix;
  } else {
    target.id_prefix.append("urn:ngsi-ld:").append(term).append(":");
    if (!model::IsUri(target.id_prefix + "x")) {
      return BadRequestData("the type makes no entity id prefix: map the measurement to a type");
    }
  }
  return target;
}

void AppendIdPart(std::string& id, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (IdSafe(u)) {
      id += c;
    } else {
      id += '%';
      id += kHex[u >> 4];
      id += kHex[u & 15];
    }
  }
}

Result<std::string> AttributeIriOf(std::string_view name, const model::Context& context,
                                   std::string_view what) {
  if (!model::ValidateAttributeName(name).ok()) {
    return BadRequestData(std::string(what) + " is not a valid NGSI-LD name");
  }
  std::string iri = context.ExpandTerm(name);
  const std::string scope = std::string(model::iri::kCore) + "scope";
  if (iri.empty() || iri.front() == '@' || iri == model::iri::kLocation ||
      iri == model::iri::kObservationSpace || iri == model::iri::kOperationSpace || iri == scope) {
    return BadRequestData(std::string(what) +
                          " is reserved by NGSI-LD (id, type, scope, location, ...)");
  }
  return iri;
}

}  // namespace civitas::ingest
