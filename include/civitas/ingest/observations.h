#pragma once

// What one write request (a line protocol body, a batch of CSV rows) says about each entity,
// gathered through the ingest mappings, and how it is merged into the entity and its history
// (docs/formats/line-protocol.md). Pure: no I/O; `now` is a parameter.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/ingest/ingest_mapping.h"
#include "civitas/ingest/line_protocol.h"
#include "civitas/model/entity.h"
#include "civitas/store/store.h"
#include "civitas/store/temporal_store.h"

namespace civitas::ingest {

struct EntityObservations {
  struct Series {
    std::string name;                                             // expanded attribute IRI
    std::string unit_code;                                        // "" for none
    model::AttributeKind kind = model::AttributeKind::kProperty;  // or kGeoProperty (location)
  };
  struct Sample {
    uint32_t series = 0;       // index into `series`
    int64_t timestamp_us = 0;  // observedAt, µs since the Unix epoch
    model::Json value;
  };
  std::string id;
  std::vector<std::string> types;  // expanded, sorted, unique
  std::vector<Series> series;
  std::vector<Sample> samples;  // observations (fields, timed CSV cells), in input order
  // Untimed values (tags, cells of a CSV without observedAt column): the latest per series,
  // as Properties without observedAt; `timestamp_us` only orders them.
  std::vector<Sample> properties;
};

// The roles of a CSV header's columns under one mapping (MakeCsvLayout).
struct CsvLayout {
  const EntityMapping* mapping = nullptr;
  EntityTarget target;
  std::vector<std::string> header;
  std::vector<size_t> id_columns;
  int observed_at = -1, longitude = -1, latitude = -1;  // column indexes, -1 for none
  struct Column {
    size_t index = 0;
    EntityObservations::Series series;
    CsvValueType type = CsvValueType::kAuto;
  };
  std::vector<Column> attributes;
};

// The layout of `header` for the mapping of `measurement`. kBadRequestData naming the column:
// a column the mapping names is missing, or a kept column is not a valid attribute name.
Result<CsvLayout> MakeCsvLayout(const IngestMappings& mappings, std::string_view measurement,
                                std::vector<std::string> header);

// Gathers points or rows per entity. Not thread-safe; one per request. Views into added points
// are copied, so the points' text may go once AddPoint returns.
class ObservationBatch {
 public:
  explicit ObservationBatch(const IngestMappings& mappings);
  ~ObservationBatch();

  // One line protocol point. kBadRequestData "line N: <what>" (never quoting the line) when the
  // point cannot be mapped: no tag to make its id of, a name NGSI-LD does not accept, a
  // longitude or latitude that is not a number in range. A rejected point adds nothing.
  Status AddPoint(const LpPoint& point, int64_t line_number);

  // One CSV row (its cells, in `layout`'s header order). kBadRequestData naming the column
  // ("column 't': not a number"), never the cell; a rejected row adds nothing.
  Status AddRow(const CsvLayout& layout, const std::vector<std::string>& row);

  int64_t accepted() const { return accepted_; }  // points and rows added
  // The entity ids gathered, sorted (Store::Mutate takes them).
  std::vector<std::string> Ids() const;
  // The observations of `id`, or nullptr.
  EntityObservations* Find(std::string_view id);
  size_t entity_count() const { return entities_.size(); }
  // Forgets everything gathered (the buffers are kept).
  void Clear();

 private:
  struct Resolved;
  const Resolved& Resolve(const EntityMapping& mapping, std::string_view name, bool tag);
  EntityObservations& EntityFor(const std::string& id, const std::string& type);
  uint32_t SeriesIn(EntityObservations& entity, const EntityObservations::Series& series);
  void Commit(EntityObservations& entity, bool observed, int64_t timestamp_us);

  const IngestMappings& mappings_;
  struct Measurement;
  std::unordered_map<std::string, std::unique_ptr<Measurement>> measurements_;
  std::unordered_map<std::string, std::unique_ptr<Resolved>> names_;
  std::vector<std::unique_ptr<EntityObservations>> entities_;
  std::unordered_map<std::string_view, EntityObservations*> by_id_;
  // Per-point scratch, reused.
  struct Staged {
    const EntityObservations::Series* series;  // outlives the point or row being added
    model::Json value;
    bool observed = true;  // false: an untimed value (a tag, the location)
    // A tag's text, made a JSON string only when it replaces the entity's (tags rarely change).
    std::string_view tag_text{};
  };
  std::vector<Staged> staged_;
  std::vector<const LpTag*> sorted_tags_;
  std::string id_;
  std::string key_;
  int64_t accepted_ = 0;
};

// Merges `observations` into `entity` (which is new when `exists` is false: its id and types
// are set and it is stamped as created at `now`): the newest sample of each series becomes the
// attribute's value with observedAt, unless the entity already holds a newer observation of it;
// untimed values replace theirs. Returns the history the entity write does not record by itself
// (Store's Put records the new value of each attribute that changed): every other sample, one
// per series and timestamp (the later in input order), in time order per series.
std::vector<store::TemporalInstance> ApplyObservations(const EntityObservations& observations,
                                                       model::Entity& entity, bool exists,
                                                       Timestamp now);

// Writes everything `batch` gathered into `tenant`: one Store::Mutate per `max_entities` entities
// (ids in sorted order), each entity read, merged with ApplyObservations and Put, its other
// samples added to its history. Applied (visible) on return, not yet durable: the caller waits
// for Store::WhenDurable / SyncDurable before acknowledging. The store's error (kIoError, ...)
// otherwise; entities of earlier mutations are then written.
Status WriteObservations(store::Store& store, store::Tenant tenant, ObservationBatch& batch,
                         Timestamp now, size_t max_entities = 10000);

}  // namespace civitas::ingest
