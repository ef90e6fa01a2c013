// Batch operations: POST /entityOperations/{create,upsert,update,delete,merge}.
// Each batch is one store mutation (one atomic WriteBatch); per-entity failures are reported
// in a BatchOperationResult (207) and leave the other entities' writes in place.

#include <boost/json.hpp>

#include "broker_impl.h"
#include "civitas/model/entity_ops.h"
#include "problem.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

enum class BatchKind { kCreate, kUpsert, kUpdate, kDelete, kMerge };

std::optional<BatchKind> BatchKindOf(std::string_view name) {
  if (name == "create") return BatchKind::kCreate;
  if (name == "upsert") return BatchKind::kUpsert;
  if (name == "update") return BatchKind::kUpdate;
  if (name == "delete") return BatchKind::kDelete;
  if (name == "merge") return BatchKind::kMerge;
  return std::nullopt;
}

struct BatchItem {
  std::string id;
  std::optional<model::Entity> entity;       // create / upsert
  std::vector<model::Attribute> attributes;  // update / merge
  Status error;
};

struct BatchOutcome {
  std::vector<std::string> success;
  std::vector<std::string> created;
  std::vector<std::pair<std::string, Status>> errors;
};

std::string RawId(const json::value& item) {
  if (const auto* obj = item.if_object()) {
    if (const auto* id = obj->if_contains("id"); id && id->is_string())
      return std::string(id->get_string());
  }
  if (item.is_string()) return std::string(item.get_string());
  return "";
}

BatchItem ParseItem(BatchKind kind, const json::value& raw, const model::Context& context) {
  BatchItem item;
  item.id = RawId(raw);
  if (kind == BatchKind::kDelete) {
    if (!raw.is_string() || !model::IsUri(raw.get_string())) {
      item.error = BadRequestData("delete takes an array of entity ids (URIs)");
    }
    return item;
  }
  const auto* obj = raw.if_object();
  if (obj == nullptr) {
    item.error = BadRequestData("each batch item must be an entity object");
    return item;
  }
  if (kind == BatchKind::kCreate || kind == BatchKind::kUpsert) {
    auto parsed = model::ParseEntity(*obj, context);
    if (!parsed.ok()) {
      item.error = parsed.status();
    } else {
      item.entity = std::move(*parsed);
    }
    return item;
  }
  if (item.id.empty() || !model::IsUri(item.id)) {
    item.error = BadRequestData("each batch item needs an \"id\" that is a URI");
    return item;
  }
  auto attrs = model::ParseAttributes(*obj, context, /*allow_id_and_type=*/true);
  if (!attrs.ok()) {
    item.error = attrs.status();
  } else {
    item.attributes = std::move(*attrs);
  }
  return item;
}

// Applies one valid item inside the batch's mutation. Errors are per item.
Status ApplyItem(BatchKind kind, BatchItem& item, const RequestScope& scope, Timestamp now,
                 bool upsert_update, bool no_overwrite, store::Mutation& m, bool& created) {
  CIVITAS_ASSIGN_OR_RETURN(const model::Entity* current, m.Find(item.id));
  switch (kind) {
    case BatchKind::kCreate:
      if (current) return AlreadyExists("entity '" + item.id + "' already exists");
      model::StampNew(*item.entity, now);
      m.Put(std::move(*item.entity));
      created = true;
      return Status::Ok();
    case BatchKind::kUpsert:
      if (!current) {
        model::StampNew(*item.entity, now);
        m.Put(std::move(*item.entity));
        created = true;
      } else if (upsert_update) {
        model::Entity updated = *current;
        std::vector<model::NotUpdated> ignored;
        model::WriteAttributes(updated, std::move(item.entity->attributes),
                               model::AttributeWriteMode::kAppendOverwrite, now, ignored);
        m.Put(std::move(updated));
      } else {
        model::StampReplacement(*current, *item.entity, now);
        m.Put(std::move(*item.entity));
      }
      return Status::Ok();
    case BatchKind::kUpdate:
    case BatchKind::kMerge: {
      if (!current) return NotFound("entity '" + item.id + "' does not exist");
      auto mode = kind == BatchKind::kMerge ? model::AttributeWriteMode::kMerge
                  : no_overwrite            ? model::AttributeWriteMode::kAppendKeep
                                            : model::AttributeWriteMode::kAppendOverwrite;
      model::Entity updated = *current;
      std::vector<model::NotUpdated> ignored;
      if (model::WriteAttributes(updated, std::move(item.attributes), mode, now, ignored)) {
        m.Put(std::move(updated));
      }
      return Status::Ok();
    }
    case BatchKind::kDelete:
      if (!current) return NotFound("entity '" + item.id + "' does not exist");
      m.Delete(item.id);
      return Status::Ok();
  }
  (void)scope;
  return Status::Ok();
}

}  // namespace

Reply Broker::Impl::Batch(RequestScope& scope, const std::string& operation) {
  auto kind = BatchKindOf(operation);
  if (!kind) return ErrorReply(scope, NotFound("no batch operation '" + operation + "'"));
  const auto* items = scope.body.if_array();
  if (items == nullptr) return ErrorReply(scope, BadRequestData("the body must be a JSON array"));
  if (items->empty()) return ErrorReply(scope, BadRequestData("the batch is empty"));
  if (items->size() > options.max_batch_entities) {
    return ErrorReply(scope,
                      BadRequestData("a batch holds at most " +
                                     std::to_string(options.max_batch_entities) + " entities"));
  }
  std::vector<BatchItem> parsed;
  parsed.reserve(items->size());
  std::vector<std::string> ids;
  for (const auto& raw : *items) {
    parsed.push_back(ParseItem(*kind, raw, *scope.context));
    if (parsed.back().error.ok())
      ids.push_back(parsed.back().id.empty() ? parsed.back().entity->id : parsed.back().id);
    if (parsed.back().entity) parsed.back().id = parsed.back().entity->id;
  }
  const bool upsert_update = scope.HasOption("update");
  const bool no_overwrite = scope.HasOption("noOverwrite");
  const Timestamp now = clock.Now();
  BatchOutcome outcome;
  auto status = store.Mutate(scope.tenant, ids, [&](store::Mutation& m) -> Status {
    for (auto& item : parsed) {
      if (!item.error.ok()) continue;
      bool created = false;
      item.error = ApplyItem(*kind, item, scope, now, upsert_update, no_overwrite, m, created);
      if (item.error.ok() && created) outcome.created.push_back(item.id);
    }
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  for (auto& item : parsed) {
    if (item.error.ok()) {
      outcome.success.push_back(item.id);
    } else {
      outcome.errors.emplace_back(item.id, item.error);
    }
  }
  if (!outcome.errors.empty()) {
    json::array success, errors;
    for (const auto& id : outcome.success) success.emplace_back(id);
    for (const auto& [id, error] : outcome.errors) {
      errors.push_back(json::object{{"entityId", id}, {"error", ProblemDetails(error)}});
    }
    Reply reply =
        JsonReply(scope, http::status::multi_status,
                  json::object{{"success", std::move(success)}, {"errors", std::move(errors)}});
    return outcome.success.empty() ? reply : Durable(std::move(reply));
  }
  if (!outcome.created.empty() && (*kind == BatchKind::kCreate || *kind == BatchKind::kUpsert)) {
    json::array created;
    for (const auto& id : outcome.created) created.emplace_back(id);
    return Durable(JsonReply(scope, http::status::created, std::move(created)));
  }
  return Durable(EmptyReply(scope, http::status::no_content));
}

}  // namespace civitas::api
