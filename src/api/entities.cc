// Single-entity endpoints: /entities and /entities/{id}[/attrs[/{attrId}]].

#include <boost/json.hpp>

#include "broker_impl.h"
#include "civitas/model/entity_ops.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

Status CheckEntityId(const std::string& id) {
  if (!model::IsUri(id)) return BadRequestData("entity id '" + id + "' is not a URI");
  return Status::Ok();
}

Result<const json::object*> BodyObject(const RequestScope& scope) {
  const auto* obj = scope.body.if_object();
  if (obj == nullptr) return BadRequestData("the body must be a JSON object");
  return obj;
}

Status EntityNotFound(const std::string& id) {
  return NotFound("entity '" + id + "' does not exist");
}

json::object UpdateResultBody(const std::vector<model::Attribute>& attempted,
                              const std::vector<model::NotUpdated>& not_updated,
                              const model::Context& context) {
  json::array updated, failed;
  for (const auto& a : attempted) {
    bool failed_attr = std::any_of(not_updated.begin(), not_updated.end(),
                                   [&](const model::NotUpdated& n) { return n.name == a.name; });
    if (!failed_attr) updated.emplace_back(context.CompactIri(a.name));
  }
  for (const auto& n : not_updated) {
    failed.push_back(
        json::object{{"attributeName", context.CompactIri(n.name)}, {"reason", n.reason}});
  }
  return json::object{{"updated", std::move(updated)}, {"notUpdated", std::move(failed)}};
}

}  // namespace

json::value GeoJsonFeature(const model::Entity& entity, const model::Context& context,
                           const model::RenderOptions& options, const std::string& geoproperty) {
  json::object feature;
  feature["id"] = entity.id;
  feature["type"] = "Feature";
  const model::Attribute* geo = entity.Find(geoproperty);
  feature["geometry"] = geo != nullptr && geo->kind == model::AttributeKind::kGeoProperty
                            ? geo->value
                            : json::value(nullptr);
  feature["properties"] = model::RenderEntity(entity, context, options);
  feature["properties"].as_object().erase("id");
  return feature;
}

Reply Broker::Impl::CreateEntity(RequestScope& scope) {
  CIVITAS_ASSIGN_OR_RETURN_REPLY(const json::object* body, BodyObject(scope));
  auto parsed = model::ParseEntity(*body, *scope.context);
  if (!parsed.ok()) return ErrorReply(scope, parsed.status());
  model::Entity entity = std::move(*parsed);
  model::StampNew(entity, clock.Now());
  std::string id = entity.id;
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(const model::Entity* existing, m.Find(id));
    if (existing) return AlreadyExists("entity '" + id + "' already exists");
    m.Put(std::move(entity));
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  Reply reply = EmptyReply(scope, http::status::created);
  reply.response.set(http::field::location, "/ngsi-ld/v1/entities/" + id);
  return Durable(std::move(reply));
}

Reply Broker::Impl::RetrieveEntity(RequestScope& scope, const std::string& id) {
  if (auto s = CheckEntityId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  auto entity = store.Read(scope.tenant)->Get(id);
  if (!entity.ok()) {
    return ErrorReply(scope, entity.status().code() == StatusCode::kNotFound ? EntityNotFound(id)
                                                                             : entity.status());
  }
  if (const auto* type = scope.Param("type")) {
    auto selector =
        query::ParseTypeSelector(*type, [&](std::string_view t) { return scope.Expand(t); });
    if (!selector.ok()) return ErrorReply(scope, selector.status());
    query::EntityQuery filter;
    filter.types = std::move(*selector);
    if (!query::MatchesEntityQuery(*entity, filter)) return ErrorReply(scope, EntityNotFound(id));
  }
  auto render = RenderOptionsOf(scope);
  if (scope.media == ResponseMedia::kGeoJson) {
    const std::string* geoproperty = scope.Param("geometryProperty");
    std::string geo = geoproperty ? scope.Expand(*geoproperty) : std::string(model::iri::kLocation);
    return JsonReply(scope, http::status::ok, GeoJsonFeature(*entity, *scope.context, render, geo));
  }
  std::string body;
  model::AppendEntityJson(body, *entity, *scope.context, render, ContextMember(scope));
  return JsonTextReply(scope, http::status::ok, std::move(body));
}

Reply Broker::Impl::ReplaceEntity(RequestScope& scope, const std::string& id) {
  if (auto s = CheckEntityId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  CIVITAS_ASSIGN_OR_RETURN_REPLY(const json::object* body, BodyObject(scope));
  json::object whole = *body;
  if (const auto* body_id = whole.if_contains("id");
      body_id != nullptr && (!body_id->is_string() || body_id->get_string() != id)) {
    return ErrorReply(scope, BadRequestData("the body's id does not match the URL's"));
  }
  whole["id"] = id;
  const json::object* type_source = &whole;
  std::optional<model::Entity> replacement;
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    auto current = m.Get(id);
    if (!current.ok()) return EntityNotFound(id);
    if (!type_source->contains("type")) {
      json::array types;
      for (const auto& t : current->types) types.emplace_back(scope.context->CompactIri(t));
      whole["type"] = std::move(types);
    }
    CIVITAS_ASSIGN_OR_RETURN(model::Entity parsed, model::ParseEntity(whole, *scope.context));
    model::StampReplacement(*current, parsed, clock.Now());
    m.Put(std::move(parsed));
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

Reply Broker::Impl::MergeEntity(RequestScope& scope, const std::string& id) {
  if (auto s = CheckEntityId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  CIVITAS_ASSIGN_OR_RETURN_REPLY(const json::object* body, BodyObject(scope));
  auto attrs = model::ParseAttributes(*body, *scope.context, /*allow_id_and_type=*/true);
  if (!attrs.ok()) return ErrorReply(scope, attrs.status());
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(model::Entity entity, m.Get(id));
    std::vector<model::NotUpdated> ignored;
    if (model::WriteAttributes(entity, std::move(*attrs), model::AttributeWriteMode::kMerge,
                               clock.Now(), ignored)) {
      m.Put(std::move(entity));
    }
    return Status::Ok();
  });
  if (status.code() == StatusCode::kNotFound) return ErrorReply(scope, EntityNotFound(id));
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

Reply Broker::Impl::DeleteEntity(RequestScope& scope, const std::string& id) {
  if (auto s = CheckEntityId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(const model::Entity* existing, m.Find(id));
    if (!existing) return EntityNotFound(id);
    m.Delete(id);
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

Reply Broker::Impl::WriteAttrs(RequestScope& scope, const std::string& id, bool append) {
  if (auto s = CheckEntityId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  CIVITAS_ASSIGN_OR_RETURN_REPLY(const json::object* body, BodyObject(scope));
  auto attrs = model::ParseAttributes(*body, *scope.context, /*allow_id_and_type=*/true);
  if (!attrs.ok()) return ErrorReply(scope, attrs.status());
  if (attrs->empty()) return ErrorReply(scope, BadRequestData("the body holds no attributes"));
  auto mode = !append                          ? model::AttributeWriteMode::kUpdateExisting
              : scope.HasOption("noOverwrite") ? model::AttributeWriteMode::kAppendKeep
                                               : model::AttributeWriteMode::kAppendOverwrite;
  std::vector<model::NotUpdated> not_updated;
  const std::vector<model::Attribute> attempted = *attrs;
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(model::Entity entity, m.Get(id));
    if (model::WriteAttributes(entity, std::move(*attrs), mode, clock.Now(), not_updated)) {
      m.Put(std::move(entity));
    }
    return Status::Ok();
  });
  if (status.code() == StatusCode::kNotFound) return ErrorReply(scope, EntityNotFound(id));
  if (!status.ok()) return ErrorReply(scope, status);
  if (not_updated.empty()) return Durable(EmptyReply(scope, http::status::no_content));
  return Durable(JsonReply(scope, http::status::multi_status,
                           UpdateResultBody(attempted, not_updated, *scope.context)));
}

Reply Broker::Impl::PatchAttr(RequestScope& scope, const std::string& id, const std::string& attr,
                              bool replace) {
  if (auto s = CheckEntityId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  if (auto s = model::ValidateAttributeName(attr); !s.ok()) return ErrorReply(scope, s);
  if (scope.body.is_null()) return ErrorReply(scope, BadRequestData("the body is empty"));
  std::string name = scope.Expand(attr);
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(model::Entity entity, m.Get(id));
    json::value fragment = scope.body;
    std::string dataset;
    if (const auto* obj = fragment.if_object()) {
      if (const auto* d = obj->if_contains("datasetId"); d && d->is_string())
        dataset = d->get_string();
    }
    const model::Attribute* existing = entity.Find(name, dataset);
    if (existing == nullptr) {
      return NotFound("entity '" + id + "' has no attribute '" + attr + "'" +
                      (dataset.empty() ? "" : " with datasetId '" + dataset + "'"));
    }
    // A partial update may omit the payload (e.g. only observedAt): keep the current one.
    if (auto* obj = fragment.if_object();
        obj && !replace && !obj->contains("type") && !obj->contains("value") &&
        !obj->contains("object") && !obj->contains("languageMap") && !obj->contains("valueList") &&
        !obj->contains("objectList") && !obj->contains("vocab") && !obj->contains("json")) {
      (*obj)["type"] = model::AttributeKindName(existing->kind);
      (*obj)[model::AttributePayloadMember(existing->kind)] = existing->value;
    }
    CIVITAS_ASSIGN_OR_RETURN(auto instances, model::ParseAttribute(name, fragment, *scope.context));
    if (instances.size() != 1) return BadRequestData("the body must hold one attribute instance");
    auto now = clock.Now();
    if (replace) {
      std::vector<model::NotUpdated> ignored;
      model::WriteAttributes(entity, std::move(instances),
                             model::AttributeWriteMode::kAppendOverwrite, now, ignored);
    } else {
      model::PatchAttribute(entity, instances.front(), now);
    }
    m.Put(std::move(entity));
    return Status::Ok();
  });
  if (!status.ok()) {
    if (status.code() == StatusCode::kNotFound &&
        status.message().find("has no attribute") == std::string::npos) {
      return ErrorReply(scope, EntityNotFound(id));
    }
    return ErrorReply(scope, status);
  }
  return Durable(EmptyReply(scope, http::status::no_content));
}

Reply Broker::Impl::DeleteAttr(RequestScope& scope, const std::string& id,
                               const std::string& attr) {
  if (auto s = CheckEntityId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  std::string name = scope.Expand(attr);
  const std::string* dataset = scope.Param("datasetId");
  const std::string* delete_all = scope.Param("deleteAll");
  bool all = delete_all != nullptr && *delete_all == "true";
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    auto entity = m.Get(id);
    if (!entity.ok()) return EntityNotFound(id);
    if (!model::DeleteAttribute(*entity, name, dataset ? *dataset : "", all, clock.Now())) {
      return NotFound("entity '" + id + "' has no attribute '" + attr + "'" +
                      (dataset ? " with datasetId '" + *dataset + "'" : ""));
    }
    m.Put(std::move(*entity));
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

}  // namespace civitas::api
