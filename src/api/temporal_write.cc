// Temporal history writes: POST /temporal/entities, POST /temporal/entities/{id}/attrs,
// DELETE /temporal/entities/{id}[/attrs/{attrId}], PATCH / DELETE
// /temporal/entities/{id}/attrs/{attrId}/{instanceId}, and POST /temporal/entityOperations/query.

#include <boost/json.hpp>
#include <charconv>

#include "civitas/model/json_text.h"
#include "src/api/temporal.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

bool IsReservedMember(std::string_view name) {
  return name == "id" || name == "type" || name == "@context" || name == "createdAt" ||
         name == "modifiedAt" || name == "scope";
}

// The instances of a temporal entity fragment: each attribute is an instance or an array of
// instances; an instance without observedAt is recorded at `now`.
Result<std::vector<store::TemporalInstance>> ParseInstances(const json::object& body,
                                                            const RequestScope& scope,
                                                            Timestamp now) {
  std::vector<store::TemporalInstance> out;
  for (const auto& [key, value] : body) {
    if (IsReservedMember(key)) continue;
    CIVITAS_RETURN_IF_ERROR(model::ValidateAttributeName(key));
    std::string name = scope.Expand(key);
    auto add = [&](const json::value& item) -> Status {
      CIVITAS_ASSIGN_OR_RETURN(auto attrs, model::ParseAttribute(name, item, *scope.context));
      for (auto& a : attrs) {
        a.modified_at = now;  // a system time: whatever the client sent is ignored
        auto instance = store::TemporalInstanceOf(a);
        if (!instance) return Internal("instance without a time");
        out.push_back(std::move(*instance));
      }
      return Status::Ok();
    };
    if (const auto* arr = value.if_array();
        arr != nullptr && !arr->empty() && arr->front().is_object()) {
      for (const auto& item : *arr) CIVITAS_RETURN_IF_ERROR(add(item));
    } else {
      CIVITAS_RETURN_IF_ERROR(add(value));
    }
  }
  return out;
}

Result<std::vector<std::string>> ParseTypes(const json::object& body, const RequestScope& scope) {
  const auto* type = body.if_contains("type");
  if (type == nullptr) return BadRequestData("a temporal entity needs a type");
  std::vector<std::string> types;
  if (type->is_string()) {
    types.push_back(scope.Expand(type->get_string()));
  } else if (const auto* arr = type->if_array(); arr && !arr->empty()) {
    for (const auto& t : *arr) {
      if (!t.is_string()) return BadRequestData("type must be a string or an array of strings");
      types.push_back(scope.Expand(t.get_string()));
    }
  } else {
    return BadRequestData("type must be a string or an array of strings");
  }
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

}  // namespace

Reply Broker::Impl::CreateTemporal(RequestScope& scope) {
  const auto* body = scope.body.if_object();
  if (body == nullptr) return ErrorReply(scope, BadRequestData("the body must be a JSON object"));
  const auto* id_value = body->if_contains("id");
  if (id_value == nullptr || !id_value->is_string() || !model::IsUri(id_value->get_string())) {
    return ErrorReply(scope, BadRequestData("a temporal entity needs an id that is a URI"));
  }
  std::string id(id_value->get_string());
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto types, ParseTypes(*body, scope));
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto instances, ParseInstances(*body, scope, clock.Now()));
  bool created = false;
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    // Under the entity's lock, so the 201/204 decision cannot race another writer.
    CIVITAS_ASSIGN_OR_RETURN(auto existing, store.ReadTemporal(scope.tenant)->Entity(id));
    created = !existing.has_value();
    m.AddHistory(id, std::move(types), std::move(instances));
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  if (!created) return Durable(EmptyReply(scope, http::status::no_content));
  Reply reply = EmptyReply(scope, http::status::created);
  reply.response.set(http::field::location, "/ngsi-ld/v1/temporal/entities/" + id);
  return Durable(std::move(reply));
}

Reply Broker::Impl::AppendTemporal(RequestScope& scope, const std::string& id) {
  if (!model::IsUri(id))
    return ErrorReply(scope, BadRequestData("entity id '" + id + "' is not a URI"));
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  const auto* body = scope.body.if_object();
  if (body == nullptr) return ErrorReply(scope, BadRequestData("the body must be a JSON object"));
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto instances, ParseInstances(*body, scope, clock.Now()));
  if (instances.empty()) return ErrorReply(scope, BadRequestData("the body holds no attributes"));
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(auto existing, store.ReadTemporal(scope.tenant)->Entity(id));
    std::vector<std::string> types;
    if (!existing) {
      auto entity = m.Get(id);
      if (!entity.ok()) return NotFound("entity '" + id + "' does not exist");
      types = entity->types;
    }
    m.AddHistory(id, std::move(types), std::move(instances));
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

Reply Broker::Impl::DeleteTemporal(RequestScope& scope, const std::string& id) {
  if (!model::IsUri(id))
    return ErrorReply(scope, BadRequestData("entity id '" + id + "' is not a URI"));
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(auto existing, store.ReadTemporal(scope.tenant)->Entity(id));
    if (!existing) return NotFound("entity '" + id + "' has no temporal history");
    m.DeleteHistory(id);
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

Reply Broker::Impl::DeleteTemporalAttr(RequestScope& scope, const std::string& id,
                                       const std::string& attr) {
  if (!model::IsUri(id))
    return ErrorReply(scope, BadRequestData("entity id '" + id + "' is not a URI"));
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  std::string name = scope.Expand(attr);
  const std::string* dataset = scope.Param("datasetId");
  const std::string* delete_all = scope.Param("deleteAll");
  const bool all = delete_all != nullptr && *delete_all == "true";
  std::string default_dataset;
  const std::string* series_dataset = all ? nullptr : dataset ? dataset : &default_dataset;
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    CIVITAS_ASSIGN_OR_RETURN(auto existing, store.ReadTemporal(scope.tenant)->Entity(id));
    if (!existing) return NotFound("entity '" + id + "' has no temporal history");
    bool found = std::any_of(existing->series.begin(), existing->series.end(), [&](const auto& s) {
      return s.attr == name && (series_dataset == nullptr || s.dataset_id == *series_dataset);
    });
    if (!found) return NotFound("entity '" + id + "' has no history of attribute '" + attr + "'");
    m.DeleteHistory(id, name, series_dataset);
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

}  // namespace civitas::api

namespace civitas::api {

// The Query body's temporalQ members (and the options/aggregation members some clients put in
// the body) become the parameters GET /temporal/entities takes.
Reply Broker::Impl::QueryTemporalPost(RequestScope& scope) {
  if (const auto* body = scope.body.if_object()) {
    if (const auto* temporal_q = body->if_contains("temporalQ")) {
      if (!temporal_q->is_object()) {
        return ErrorReply(scope, BadRequestData("temporalQ must be an object"));
      }
      for (const auto& [key, value] : temporal_q->get_object()) {
        if (key == "timerel" || key == "timeAt" || key == "endTimeAt" || key == "timeproperty" ||
            key == "lastN") {
          if (value.is_string()) {
            scope.params[std::string(key)] = std::string(value.get_string());
          } else if (value.is_int64()) {
            scope.params[std::string(key)] = std::to_string(value.get_int64());
          } else {
            return ErrorReply(
                scope, BadRequestData("temporalQ." + std::string(key) + " must be a string"));
          }
        }
      }
    }
  }
  CIVITAS_ASSIGN_OR_RETURN_REPLY(TemporalParams params, ParseTemporalParams(scope));
  CIVITAS_ASSIGN_OR_RETURN_REPLY(query::EntityQuery query, QueryFromBody(scope, options));
  if (!query.attrs.empty()) params.attrs.insert(query.attrs.begin(), query.attrs.end());
  return RunTemporalQuery(scope, params, query);
}

}  // namespace civitas::api

namespace civitas::api {
namespace {

// The timestamp an instanceId (InstanceIdOf) names, or nullopt.
std::optional<int64_t> InstanceTime(std::string_view instance_id) {
  constexpr std::string_view kPrefix = "urn:ngsi-ld:instance:";
  if (!instance_id.starts_with(kPrefix)) return std::nullopt;
  std::string_view digits = instance_id.substr(kPrefix.size());
  int64_t t = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), t);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return t;
}

}  // namespace

Reply Broker::Impl::WriteTemporalInstance(RequestScope& scope, const std::string& id,
                                          const std::string& attr, const std::string& instance_id,
                                          bool remove) {
  if (!model::IsUri(id))
    return ErrorReply(scope, BadRequestData("entity id '" + id + "' is not a URI"));
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  if (auto s = model::ValidateAttributeName(attr); !s.ok()) return ErrorReply(scope, s);
  std::string name = scope.Expand(attr);
  json::value fragment = scope.body;
  if (!remove && !fragment.is_object()) {
    return ErrorReply(scope, BadRequestData("the body must be an attribute instance object"));
  }
  std::string dataset;
  if (const auto* d = scope.Param("datasetId")) dataset = *d;
  if (const auto* obj = fragment.if_object()) {
    if (const auto* d = obj->if_contains("datasetId"); d && d->is_string())
      dataset = d->get_string();
  }
  auto not_found = [&] {
    return NotFound("entity '" + id + "' has no instance '" + instance_id + "' of attribute '" +
                    attr + "'");
  };
  std::optional<int64_t> t = InstanceTime(instance_id);
  if (!t) return ErrorReply(scope, not_found());
  const Timestamp now = clock.Now();
  auto status = store.Mutate(scope.tenant, {&id, 1}, [&](store::Mutation& m) -> Status {
    auto reader = store.ReadTemporal(scope.tenant);
    CIVITAS_ASSIGN_OR_RETURN(auto existing, reader->Entity(id));
    if (!existing) return not_found();
    const store::TemporalSeries* series = nullptr;
    for (const auto& s : existing->series) {
      if (s.attr == name && s.dataset_id == dataset) series = &s;
    }
    if (series == nullptr) return not_found();
    std::optional<std::string> old_text;
    CIVITAS_RETURN_IF_ERROR(reader->Samples(id, *series, *t, *t + 1, [&](const store::Sample& s) {
      old_text = s.kind == store::SampleKind::kNumber ? model::ToJsonText(json::value(s.number))
                                                      : std::string(s.text);
      return false;
    }));
    if (!old_text) return not_found();
    if (remove) {
      m.DeleteHistoryInstance(id, name, dataset, *t);
      return Status::Ok();
    }
    auto& obj = fragment.as_object();
    // A partial change may omit the payload or the time: keep the instance's.
    if (!obj.contains("value") && !obj.contains("object") && !obj.contains("languageMap") &&
        !obj.contains("valueList") && !obj.contains("objectList") && !obj.contains("vocab") &&
        !obj.contains("json")) {
      obj["type"] = model::AttributeKindName(series->kind);
      obj[model::AttributePayloadMember(series->kind)] = json::parse(*old_text);
    }
    if (!obj.contains("observedAt")) {
      obj["observedAt"] = FormatTimestampUs(*t);
    }
    CIVITAS_ASSIGN_OR_RETURN(auto attrs, model::ParseAttribute(name, fragment, *scope.context));
    if (attrs.size() != 1) return BadRequestData("the body must hold one attribute instance");
    auto instance = store::TemporalInstanceOf(attrs.front());
    if (!instance) return Internal("instance without a time");
    instance->modified_at_us = now.time_since_epoch().count();
    if (instance->timestamp_us != *t) m.DeleteHistoryInstance(id, name, dataset, *t);
    m.AddHistory(id, {}, {std::move(*instance)});
    return Status::Ok();
  });
  if (!status.ok()) return ErrorReply(scope, status);
  return Durable(EmptyReply(scope, http::status::no_content));
}

}  // namespace civitas::api
