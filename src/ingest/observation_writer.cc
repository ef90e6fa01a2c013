#include <algorithm>

#include "civitas/ingest/observations.h"

namespace civitas::ingest {

Status WriteObservations(store::Store& store, store::Tenant tenant, ObservationBatch& batch,
                         Timestamp now, size_t max_entities) {
  const std::vector<std::string> ids = batch.Ids();
  // Bounded mutations: a huge body must not lock every entity stripe and build one giant batch.
  for (size_t from = 0; from < ids.size(); from += max_entities) {
    std::span<const std::string> chunk(ids.data() + from,
                                       std::min(max_entities, ids.size() - from));
    CIVITAS_RETURN_IF_ERROR(store.Mutate(tenant, chunk, [&](store::Mutation& m) -> Status {
      for (const std::string& id : chunk) {
        const EntityObservations* observations = batch.Find(id);
        auto current = m.Get(id);
        if (!current.ok() && current.status().code() != StatusCode::kNotFound) {
          return current.status();
        }
        const bool exists = current.ok();
        model::Entity entity = exists ? std::move(*current) : model::Entity{};
        auto history = ApplyObservations(*observations, entity, exists, now);
        if (!history.empty()) m.AddHistory(id, entity.types, std::move(history));
        m.Put(std::move(entity));
      }
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

}  // namespace civitas::ingest
