#include "civitas/ingest/observations.h"

#include <algorithm>
#include <optional>

#include "civitas/model/entity_ops.h"
#include "src/ingest/names.h"

namespace civitas::ingest {
namespace {

using Series = EntityObservations::Series;
using Sample = EntityObservations::Sample;

Status LineError(int64_t line_number, std::string_view what) {
  return BadRequestData("line " + std::to_string(line_number) + ": " + std::string(what));
}

// Floor division: a timestamp before 1970 in ns lands in the microsecond that holds it.
int64_t MicrosOf(int64_t ns) {
  int64_t us = ns / 1000;
  if (ns % 1000 < 0) --us;
  return us;
}

std::optional<double> NumberOf(const LpField& field) {
  switch (field.type) {
    case LpFieldType::kFloat:
      return field.float_value;
    case LpFieldType::kInteger:
      return static_cast<double>(field.int_value);
    case LpFieldType::kUnsigned:
      return static_cast<double>(field.uint_value);
    case LpFieldType::kString:
    case LpFieldType::kBoolean:
      break;
  }
  return std::nullopt;
}

model::Json JsonOf(const LpField& field) {
  switch (field.type) {
    case LpFieldType::kFloat:
      return field.float_value;
    case LpFieldType::kInteger:
      return field.int_value;
    case LpFieldType::kUnsigned:
      return field.uint_value;
    case LpFieldType::kBoolean:
      return field.bool_value;
    case LpFieldType::kString:
      break;
  }
  return boost::json::string(field.string_value);
}

model::Json PointOf(double longitude, double latitude) {
  return boost::json::object{{"type", "Point"},
                             {"coordinates", boost::json::array{longitude, latitude}}};
}

bool InRange(double longitude, double latitude) {
  return longitude >= -180 && longitude <= 180 && latitude >= -90 && latitude <= 90;
}

const Series& LocationSeries() {
  static const Series* const kLocation =
      new Series{std::string(model::iri::kLocation), "", model::AttributeKind::kGeoProperty};
  return *kLocation;
}

}  // namespace

struct ObservationBatch::Resolved {
  enum class Role { kAttribute, kDrop, kLongitude, kLatitude, kInvalid };
  Role role = Role::kDrop;
  Series series;
  std::string error;  // kInvalid: what is wrong, without a position
};

struct ObservationBatch::Measurement {
  const EntityMapping* mapping = nullptr;
  Result<EntityTarget> target = EntityTarget{};
};

ObservationBatch::ObservationBatch(const IngestMappings& mappings) : mappings_(mappings) {}
ObservationBatch::~ObservationBatch() = default;

// Names are resolved once per request: the mapping's lookups and the @context expansion would
// otherwise run for every field of every line.
const ObservationBatch::Resolved& ObservationBatch::Resolve(const EntityMapping& mapping,
                                                            std::string_view name, bool tag) {
  const EntityMapping* const mapping_address = &mapping;
  key_.assign(reinterpret_cast<const char*>(&mapping_address), sizeof mapping_address);
  key_ += tag ? 't' : 'f';
  key_.append(name);
  auto it = names_.find(key_);
  if (it != names_.end()) return *it->second;
  auto resolved = std::make_unique<Resolved>();
  using Role = Resolved::Role;
  if (!mapping.longitude.empty() && name == mapping.longitude) {
    resolved->role = Role::kLongitude;
  } else if (!mapping.latitude.empty() && name == mapping.latitude) {
    resolved->role = Role::kLatitude;
  } else if (auto mapped = mapping.attributes.find(name); mapped != mapping.attributes.end()) {
    resolved->role = Role::kAttribute;
    resolved->series = Series{mapped->second.name, mapped->second.unit_code};
  } else if (mapping.keep_unmapped) {
    auto iri = AttributeIriOf(name, mappings_.context(), "its name");
    if (iri.ok()) {
      resolved->role = Role::kAttribute;
      resolved->series.name = std::move(*iri);
    } else {
      resolved->role = Role::kInvalid;
      resolved->error = iri.status().message();
    }
  }
  return *names_.emplace(key_, std::move(resolved)).first->second;
}

EntityObservations& ObservationBatch::EntityFor(const std::string& id, const std::string& type) {
  auto it = by_id_.find(id);
  EntityObservations* entity = nullptr;
  if (it != by_id_.end()) {
    entity = it->second;
  } else {
    entities_.push_back(std::make_unique<EntityObservations>());
    entity = entities_.back().get();
    entity->id = id;
    by_id_.emplace(entity->id, entity);
  }
  auto at = std::lower_bound(entity->types.begin(), entity->types.end(), type);
  if (at == entity->types.end() || *at != type) entity->types.insert(at, type);
  return *entity;
}

uint32_t ObservationBatch::SeriesIn(EntityObservations& entity, const Series& series) {
  for (size_t i = 0; i < entity.series.size(); ++i) {
    const Series& s = entity.series[i];
    if (s.name == series.name && s.kind == series.kind) return static_cast<uint32_t>(i);
  }
  entity.series.push_back(series);
  return static_cast<uint32_t>(entity.series.size() - 1);
}

void ObservationBatch::Commit(EntityObservations& entity, bool observed, int64_t timestamp_us) {
  for (Staged& staged : staged_) {
    const uint32_t series = SeriesIn(entity, *staged.series);
    const bool timed = observed && staged.observed;
    if (timed) {
      entity.samples.push_back({series, timestamp_us, std::move(staged.value)});
      continue;
    }
    auto same = std::find_if(entity.properties.begin(), entity.properties.end(),
                             [&](const Sample& s) { return s.series == series; });
    if (same != entity.properties.end() && timestamp_us < same->timestamp_us) continue;
    const bool unchanged_tag = same != entity.properties.end() && staged.value.is_null() &&
                               same->value.is_string() &&
                               same->value.get_string() == staged.tag_text;
    if (unchanged_tag) {
      same->timestamp_us = timestamp_us;
      continue;
    }
    if (staged.value.is_null()) staged.value = boost::json::string(staged.tag_text);
    if (same == entity.properties.end()) {
      entity.properties.push_back({series, timestamp_us, std::move(staged.value)});
    } else {
      *same = Sample{series, timestamp_us, std::move(staged.value)};
    }
  }
  ++accepted_;
}

Status ObservationBatch::AddPoint(const LpPoint& point, int64_t line_number) {
  key_.assign(point.measurement);
  auto found = measurements_.find(key_);
  if (found == measurements_.end()) {
    auto m = std::make_unique<Measurement>();
    m->mapping = &mappings_.Find(point.measurement);
    m->target = TargetOf(*m->mapping, point.measurement, mappings_.context());
    found = measurements_.emplace(key_, std::move(m)).first;
  }
  const Measurement& measurement = *found->second;
  if (!measurement.target.ok())
    return LineError(line_number, measurement.target.status().message());
  const EntityMapping& mapping = *measurement.mapping;

  // The entity id, and which tags made it (those are not properties unless mapped).
  id_ = measurement.target->id_prefix;
  auto tag_named = [&](std::string_view key) -> const LpTag* {
    for (const LpTag& tag : point.tags) {
      if (tag.key == key) return &tag;
    }
    return nullptr;
  };
  const LpTag* id_tag = mapping.id_keys.empty() ? tag_named("id") : nullptr;
  const bool all_tags_make_id = mapping.id_keys.empty() && id_tag == nullptr;
  auto is_id_tag = [&](const LpTag& tag) {
    if (all_tags_make_id) return true;
    if (id_tag != nullptr) return &tag == id_tag;
    return std::find(mapping.id_keys.begin(), mapping.id_keys.end(), tag.key) !=
           mapping.id_keys.end();
  };
  sorted_tags_.clear();
  if (!mapping.id_keys.empty()) {
    for (size_t i = 0; i < mapping.id_keys.size(); ++i) {
      const LpTag* tag = tag_named(mapping.id_keys[i]);
      if (tag == nullptr) {
        return LineError(line_number, "no tag '" + mapping.id_keys[i] + "' to make the entity id");
      }
      if (i > 0) id_ += ':';
      AppendIdPart(id_, tag->value);
    }
  } else if (id_tag != nullptr) {
    AppendIdPart(id_, id_tag->value);
  } else {
    if (point.tags.empty()) {
      return LineError(line_number,
                       "no tags to make the entity id of (name the id tags in civitas.yaml)");
    }
    // The series key, as InfluxDB tells series apart: every tag value, in tag key order.
    for (const LpTag& tag : point.tags) sorted_tags_.push_back(&tag);
    std::sort(sorted_tags_.begin(), sorted_tags_.end(),
              [](const LpTag* a, const LpTag* b) { return a->key < b->key; });
    for (size_t i = 0; i < sorted_tags_.size(); ++i) {
      if (i > 0) id_ += ':';
      AppendIdPart(id_, sorted_tags_[i]->value);
    }
  }

  using Role = Resolved::Role;
  staged_.clear();
  std::optional<double> longitude, latitude;
  for (size_t i = 0; i < point.tags.size(); ++i) {
    const LpTag& tag = point.tags[i];
    const bool mapped = mapping.attributes.count(tag.key) > 0;
    if (is_id_tag(tag) && !mapped) continue;
    const Resolved& r = Resolve(mapping, tag.key, /*tag=*/true);
    // Built on failure only: no allocation per tag on the way through.
    auto where = [i] { return "tag " + std::to_string(i + 1); };
    switch (r.role) {
      case Role::kDrop:
        break;
      case Role::kInvalid:
        return LineError(line_number, where() + ": " + r.error);
      case Role::kLongitude:
      case Role::kLatitude:
        (r.role == Role::kLongitude ? longitude : latitude) = ParseFiniteDouble(tag.value);
        if (!(r.role == Role::kLongitude ? longitude : latitude)) {
          return LineError(line_number, where() + ": a coordinate that is not a number");
        }
        break;
      case Role::kAttribute:
        staged_.push_back({&r.series, nullptr, /*observed=*/false, tag.value});
        break;
    }
  }
  for (size_t i = 0; i < point.fields.size(); ++i) {
    const LpField& field = point.fields[i];
    const Resolved& r = Resolve(mapping, field.key, /*tag=*/false);
    switch (r.role) {
      case Role::kDrop:
        break;
      case Role::kInvalid:
        return LineError(line_number, "field " + std::to_string(i + 1) + ": " + r.error);
      case Role::kLongitude:
      case Role::kLatitude:
        (r.role == Role::kLongitude ? longitude : latitude) = NumberOf(field);
        if (!(r.role == Role::kLongitude ? longitude : latitude)) {
          return LineError(line_number, "field " + std::to_string(i + 1) +
                                            ": a coordinate that is not a number");
        }
        break;
      case Role::kAttribute:
        staged_.push_back({&r.series, JsonOf(field), /*observed=*/true});
        break;
    }
  }
  if (longitude.has_value() != latitude.has_value()) {
    return LineError(line_number, "a longitude without a latitude or the other way round");
  }
  if (longitude) {
    if (!InRange(*longitude, *latitude)) {
      return LineError(line_number, "longitude or latitude out of range");
    }
    staged_.push_back({&LocationSeries(), PointOf(*longitude, *latitude), /*observed=*/false});
  }
  if (staged_.empty()) {
    ++accepted_;  // every field dropped by the mapping: nothing to write
    return Status::Ok();
  }
  Commit(EntityFor(id_, measurement.target->type), /*observed=*/true, MicrosOf(point.timestamp_ns));
  return Status::Ok();
}

Result<CsvLayout> MakeCsvLayout(const IngestMappings& mappings, std::string_view measurement,
                                std::vector<std::string> header) {
  CsvLayout layout;
  layout.mapping = &mappings.Find(measurement);
  const EntityMapping& m = *layout.mapping;
  CIVITAS_ASSIGN_OR_RETURN(layout.target, TargetOf(m, measurement, mappings.context()));
  layout.header = std::move(header);
  const auto& h = layout.header;
  auto column = [&](const std::string& name) -> Result<size_t> {
    auto it = std::find(h.begin(), h.end(), name);
    if (it == h.end()) {
      return BadRequestData("the header has no column '" + name + "' named by the mapping");
    }
    return static_cast<size_t>(it - h.begin());
  };
  const std::vector<std::string> default_id = {"id"};
  for (const std::string& name : m.id_keys.empty() ? default_id : m.id_keys) {
    CIVITAS_ASSIGN_OR_RETURN(size_t index, column(name));
    layout.id_columns.push_back(index);
  }
  if (!m.observed_at.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(size_t index, column(m.observed_at));
    layout.observed_at = static_cast<int>(index);
  }
  if (!m.longitude.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(size_t lon, column(m.longitude));
    CIVITAS_ASSIGN_OR_RETURN(size_t lat, column(m.latitude));
    layout.longitude = static_cast<int>(lon);
    layout.latitude = static_cast<int>(lat);
  }
  for (size_t i = 0; i < h.size(); ++i) {
    const int index = static_cast<int>(i);
    const bool is_id =
        std::find(layout.id_columns.begin(), layout.id_columns.end(), i) != layout.id_columns.end();
    auto mapped = m.attributes.find(h[i]);
    if (index == layout.observed_at || index == layout.longitude || index == layout.latitude ||
        (is_id && mapped == m.attributes.end())) {
      continue;
    }
    CsvLayout::Column c;
    c.index = i;
    if (mapped != m.attributes.end()) {
      c.series = Series{mapped->second.name, mapped->second.unit_code};
      c.type = mapped->second.type;
    } else if (m.keep_unmapped) {
      CIVITAS_ASSIGN_OR_RETURN(c.series.name,
                               AttributeIriOf(h[i], mappings.context(), "column '" + h[i] + "'"));
    } else {
      continue;
    }
    layout.attributes.push_back(std::move(c));
  }
  return layout;
}

Status ObservationBatch::AddRow(const CsvLayout& layout, const std::vector<std::string>& row) {
  const auto& header = layout.header;
  if (row.size() != header.size()) {
    return BadRequestData("the row has " + std::to_string(row.size()) + " fields, the header " +
                          std::to_string(header.size()));
  }
  id_ = layout.target.id_prefix;
  for (size_t i = 0; i < layout.id_columns.size(); ++i) {
    const std::string& cell = row[layout.id_columns[i]];
    if (cell.empty())
      return BadRequestData("column '" + header[layout.id_columns[i]] + "': empty id");
    if (i > 0) id_ += ':';
    AppendIdPart(id_, cell);
  }
  int64_t timestamp_us = 0;
  const bool observed = layout.observed_at >= 0;
  if (observed) {
    auto t = ParseTimestamp(row[static_cast<size_t>(layout.observed_at)]);
    if (!t.ok()) {
      return BadRequestData("column '" + header[static_cast<size_t>(layout.observed_at)] +
                            "': not an ISO 8601 instant");
    }
    timestamp_us = t->time_since_epoch().count();
  }
  staged_.clear();
  for (const CsvLayout::Column& c : layout.attributes) {
    const std::string& cell = row[c.index];
    if (cell.empty()) continue;
    const std::string& name = header[c.index];
    model::Json value;
    switch (c.type) {
      case CsvValueType::kNumber: {
        auto number = ParseFiniteDouble(cell);
        if (!number) return BadRequestData("column '" + name + "': not a number");
        value = *number;
        break;
      }
      case CsvValueType::kBoolean:
        if (cell != "true" && cell != "false") {
          return BadRequestData("column '" + name + "': not true or false");
        }
        value = cell == "true";
        break;
      case CsvValueType::kText:
        value = boost::json::string(cell);
        break;
      case CsvValueType::kAuto:
        if (auto number = ParseFiniteDouble(cell)) {
          value = *number;
        } else if (cell == "true" || cell == "false") {
          value = cell == "true";
        } else {
          value = boost::json::string(cell);
        }
        break;
    }
    staged_.push_back({&c.series, std::move(value), /*observed=*/true});
  }
  if (layout.longitude >= 0) {
    const auto lon_at = static_cast<size_t>(layout.longitude);
    const auto lat_at = static_cast<size_t>(layout.latitude);
    auto lon = ParseFiniteDouble(row[lon_at]);
    if (!lon) return BadRequestData("column '" + header[lon_at] + "': not a number");
    auto lat = ParseFiniteDouble(row[lat_at]);
    if (!lat) return BadRequestData("column '" + header[lat_at] + "': not a number");
    if (!InRange(*lon, *lat)) {
      return BadRequestData("columns '" + header[lon_at] + "', '" + header[lat_at] +
                            "': out of range");
    }
    staged_.push_back({&LocationSeries(), PointOf(*lon, *lat), /*observed=*/false});
  }
  Commit(EntityFor(id_, layout.target.type), observed, timestamp_us);
  return Status::Ok();
}

std::vector<std::string> ObservationBatch::Ids() const {
  std::vector<std::string> ids;
  ids.reserve(entities_.size());
  for (const auto& e : entities_) ids.push_back(e->id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

EntityObservations* ObservationBatch::Find(std::string_view id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

void ObservationBatch::Clear() {
  by_id_.clear();
  entities_.clear();
  accepted_ = 0;
}

std::vector<store::TemporalInstance> ApplyObservations(const EntityObservations& obs,
                                                       model::Entity& entity, bool exists,
                                                       Timestamp now) {
  // The newest observation of each series (the later one in input order at equal times).
  std::vector<int64_t> newest(obs.series.size(), -1);
  for (size_t i = 0; i < obs.samples.size(); ++i) {
    const Sample& s = obs.samples[i];
    int64_t& best = newest[s.series];
    if (best < 0 || s.timestamp_us >= obs.samples[static_cast<size_t>(best)].timestamp_us) {
      best = static_cast<int64_t>(i);
    }
  }
  std::vector<model::Attribute> updates;
  std::vector<bool> written(obs.series.size(), false);
  // One attribute per series, reused for every sample: only its value and time change.
  std::vector<model::Attribute> templates(obs.series.size());
  for (size_t k = 0; k < obs.series.size(); ++k) {
    templates[k].name = obs.series[k].name;
    templates[k].kind = obs.series[k].kind;
    templates[k].unit_code = obs.series[k].unit_code;
  }
  auto attribute_of = [&](const Sample& s) {
    model::Attribute a = templates[s.series];
    a.value = s.value;
    return a;
  };
  for (size_t k = 0; k < obs.series.size(); ++k) {
    if (newest[k] < 0) continue;
    const Sample& s = obs.samples[static_cast<size_t>(newest[k])];
    const Timestamp at{std::chrono::microseconds(s.timestamp_us)};
    const model::Attribute* current = entity.Find(obs.series[k].name);
    // A late delivery of older samples goes to history only; the entity keeps the newest.
    if (exists && current != nullptr && current->observed_at && *current->observed_at > at) {
      continue;
    }
    model::Attribute a = attribute_of(s);
    a.observed_at = at;
    updates.push_back(std::move(a));
    written[k] = true;
  }
  for (const Sample& p : obs.properties) updates.push_back(attribute_of(p));
  std::sort(updates.begin(), updates.end(),
            [](const model::Attribute& a, const model::Attribute& b) { return a.name < b.name; });

  for (const std::string& type : obs.types) {
    auto at = std::lower_bound(entity.types.begin(), entity.types.end(), type);
    if (at == entity.types.end() || *at != type) entity.types.insert(at, type);
  }
  if (exists) {
    std::vector<model::NotUpdated> ignored;
    model::WriteAttributes(entity, std::move(updates), model::AttributeWriteMode::kAppendOverwrite,
                           now, ignored);
  } else {
    entity.id = obs.id;
    entity.attributes = std::move(updates);
    entity.SortAttributes();
    model::StampNew(entity, now);
  }

  // Every other sample, once per series and time (a later duplicate replaces an earlier one),
  // in time order per series.
  std::vector<uint32_t> order;
  order.reserve(obs.samples.size());
  for (size_t i = 0; i < obs.samples.size(); ++i) {
    const Sample& s = obs.samples[i];
    if (written[s.series] &&
        s.timestamp_us == obs.samples[static_cast<size_t>(newest[s.series])].timestamp_us) {
      continue;  // the entity write records this time's value
    }
    order.push_back(static_cast<uint32_t>(i));
  }
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const Sample& x = obs.samples[a];
    const Sample& y = obs.samples[b];
    return x.series != y.series ? x.series < y.series : x.timestamp_us < y.timestamp_us;
  });
  std::vector<store::TemporalInstance> history;
  history.reserve(order.size());
  for (size_t j = 0; j < order.size(); ++j) {
    const Sample& s = obs.samples[order[j]];
    if (j + 1 < order.size()) {
      const Sample& next = obs.samples[order[j + 1]];
      if (next.series == s.series && next.timestamp_us == s.timestamp_us) continue;
    }
    model::Attribute& a = templates[s.series];
    a.value = s.value;
    a.observed_at = Timestamp{std::chrono::microseconds(s.timestamp_us)};
    a.modified_at = now;  // written with the entity
    if (auto instance = store::TemporalInstanceOf(a)) history.push_back(std::move(*instance));
  }
  return history;
}

}  // namespace civitas::ingest
