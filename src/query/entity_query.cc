#include <algorithm>
#include <set>

#include "civitas/query/entity_query.h"

namespace civitas::query {
namespace {

enum class Source { kIds, kGeo, kTypeScan, kTypeUnion, kAttributeScan, kAttributeUnion, kAll };

bool MatchesTypes(const model::Entity& entity, const TypeSelector& types) {
  if (types.empty()) return true;
  for (const auto& conjunction : types) {
    bool all = std::all_of(conjunction.begin(), conjunction.end(), [&](const std::string& t) {
      return std::binary_search(entity.types.begin(), entity.types.end(), t);
    });
    if (all) return true;
  }
  return false;
}

bool MatchesGeo(const model::Entity& entity, const GeoQuery& geo) {
  for (const auto& attr : entity.attributes) {
    if (attr.name != geo.geoproperty || attr.kind != model::AttributeKind::kGeoProperty) continue;
    auto geometry = model::Geometry::FromGeoJson(attr.value);
    if (geometry.ok() && geo.Matches(*geometry)) return true;
  }
  return false;
}

// `geo_plan` is set (to the query's plan, or to `planned`) when the source is kGeo.
Source ChooseSource(const EntityQuery& query, GeoQuery::IndexPlan& planned,
                    const GeoQuery::IndexPlan*& geo_plan) {
  if (!query.ids.empty()) return Source::kIds;
  if (query.geo) {
    if (query.geo_plan) {
      geo_plan = query.geo_plan.get();
    } else {
      planned = query.geo->PlanIndexScan();
      geo_plan = &planned;
    }
    if (!geo_plan->needs_full_scan) return Source::kGeo;
  }
  if (!query.types.empty()) return query.types.size() == 1 ? Source::kTypeScan : Source::kTypeUnion;
  if (!query.attrs.empty()) {
    return query.attrs.size() == 1 ? Source::kAttributeScan : Source::kAttributeUnion;
  }
  if (query.q && !query.q->RequiredAttributes().empty()) return Source::kAttributeScan;
  if (query.geo) return Source::kAttributeScan;  // entities having the geoproperty at all
  return Source::kAll;
}

// Whether candidates from `source` are matches without looking at the entity.
bool SourceIsExact(const EntityQuery& query, Source source) {
  if (query.q || query.id_pattern || query.geo) return false;
  switch (source) {
    case Source::kTypeScan:
      return query.types.front().size() == 1 && query.attrs.empty();
    case Source::kTypeUnion:
      return query.attrs.empty() &&
             std::all_of(query.types.begin(), query.types.end(),
                         [](const auto& c) { return c.size() == 1; });
    case Source::kAttributeScan:
    case Source::kAttributeUnion:
      return query.types.empty();
    case Source::kAll:
      return true;
    default:
      return false;
  }
}

// Walks candidate ids in ascending order, filters them in chunks and keeps the requested page.
class PageCollector {
 public:
  PageCollector(store::ReadView& view, const EntityQuery& query, bool exact)
      : view_(view), query_(query), exact_(exact), decoded_(DecodedAttributes(query)) {}

  // Returns false once no more candidates are needed.
  bool Offer(std::string_view id) {
    if (exact_) {
      if (matched_ >= query_.offset && matched_ < query_.offset + query_.limit) {
        page_ids_.emplace_back(id);
      }
      ++matched_;
      return query_.count || matched_ < query_.offset + query_.limit;
    }
    chunk_.emplace_back(id);
    if (chunk_.size() >= kChunk) return Flush();
    return status_.ok();
  }

  Result<QueryPage> Finish() {
    if (!exact_) Flush();
    CIVITAS_RETURN_IF_ERROR(status_);
    QueryPage page;
    if (exact_) {
      CIVITAS_ASSIGN_OR_RETURN(auto fetched, view_.MultiGet(page_ids_, decoded_));
      for (auto& e : fetched) {
        if (e) page.entities.push_back(std::move(*e));
      }
    } else {
      page.entities = std::move(page_);
    }
    if (query_.count) page.total = static_cast<int64_t>(matched_);
    return page;
  }

 private:
  static constexpr size_t kChunk = 128;

  // What the entities are read with: the projection and what the filters read (empty: all).
  static std::vector<std::string> DecodedAttributes(const EntityQuery& query) {
    if (query.project.empty() || query.q) return {};
    std::vector<std::string> names = query.project;
    names.insert(names.end(), query.attrs.begin(), query.attrs.end());
    if (query.geo) names.push_back(query.geo->geoproperty);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }

  bool Flush() {
    if (chunk_.empty() || !status_.ok()) return status_.ok();
    auto fetched = view_.MultiGet(chunk_, decoded_);
    chunk_.clear();
    if (!fetched.ok()) {
      status_ = fetched.status();
      return false;
    }
    for (auto& e : *fetched) {
      if (!e || !MatchesEntityQuery(*e, query_)) continue;
      if (matched_ >= query_.offset && matched_ < query_.offset + query_.limit) {
        page_.push_back(std::move(*e));
      }
      ++matched_;
    }
    return query_.count || matched_ < query_.offset + query_.limit;
  }

  store::ReadView& view_;
  const EntityQuery& query_;
  bool exact_;
  size_t matched_ = 0;
  std::vector<std::string> chunk_;
  std::vector<std::string> page_ids_;
  std::vector<model::Entity> page_;
  Status status_;
  const std::vector<std::string> decoded_;
};

// The attribute whose index narrows the candidates for Source::kAttributeScan.
std::string ScanAttributeOf(const EntityQuery& query) {
  if (!query.attrs.empty()) return query.attrs.front();
  if (query.q) {
    auto required = query.q->RequiredAttributes();
    if (!required.empty()) return required.front();
  }
  if (query.geo) return query.geo->geoproperty;
  return "";
}

}  // namespace

bool MatchesEntityQuery(const model::Entity& entity, const EntityQuery& query) {
  if (!query.ids.empty() &&
      std::find(query.ids.begin(), query.ids.end(), entity.id) == query.ids.end()) {
    return false;
  }
  if (query.id_pattern && !std::regex_match(entity.id, *query.id_pattern)) return false;
  if (!MatchesTypes(entity, query.types)) return false;
  if (!query.attrs.empty() && std::none_of(query.attrs.begin(), query.attrs.end(),
                                           [&](const std::string& a) { return entity.Has(a); })) {
    return false;
  }
  if (query.q && !query.q->Matches(entity)) return false;
  if (query.geo && !MatchesGeo(entity, *query.geo)) return false;
  return true;
}

Result<QueryPage> RunEntityQuery(store::ReadView& view, const EntityQuery& query) {
  GeoQuery::IndexPlan planned;
  const GeoQuery::IndexPlan* geo_plan = nullptr;
  Source source = ChooseSource(query, planned, geo_plan);
  PageCollector collector(view, query, SourceIsExact(query, source));
  auto offer = [&](std::string_view id) {
    if (!query.after.empty() && id <= query.after) return true;
    return collector.Offer(id);
  };
  const std::string_view from = query.after;

  auto offer_sorted = [&](const std::set<std::string, std::less<>>& ids) {
    for (const auto& id : ids) {
      if (!offer(id)) break;
    }
  };
  switch (source) {
    case Source::kIds: {
      std::set<std::string, std::less<>> ids(query.ids.begin(), query.ids.end());
      offer_sorted(ids);
      break;
    }
    case Source::kGeo: {
      // Candidates arrive in cell order; sort once to page in id order.
      std::vector<std::string> ids;
      CIVITAS_RETURN_IF_ERROR(
          view.ScanGeo(query.geo->geoproperty, geo_plan->ranges, [&](std::string_view id) {
            ids.emplace_back(id);
            return true;
          }));
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (const auto& id : ids) {
        if (!offer(id)) break;
      }
      break;
    }
    case Source::kTypeScan:
      CIVITAS_RETURN_IF_ERROR(view.ScanType(query.types.front().front(), from, offer));
      break;
    case Source::kTypeUnion: {
      std::set<std::string, std::less<>> ids;
      for (const auto& conjunction : query.types) {
        CIVITAS_RETURN_IF_ERROR(view.ScanType(conjunction.front(), from, [&](std::string_view id) {
          ids.emplace(id);
          return true;
        }));
      }
      offer_sorted(ids);
      break;
    }
    case Source::kAttributeScan:
      CIVITAS_RETURN_IF_ERROR(view.ScanAttribute(ScanAttributeOf(query), from, offer));
      break;
    case Source::kAttributeUnion: {
      std::set<std::string, std::less<>> ids;
      for (const auto& attr : query.attrs) {
        CIVITAS_RETURN_IF_ERROR(view.ScanAttribute(attr, from, [&](std::string_view id) {
          ids.emplace(id);
          return true;
        }));
      }
      offer_sorted(ids);
      break;
    }
    case Source::kAll:
      CIVITAS_RETURN_IF_ERROR(view.ScanAll(from, offer));
      break;
  }
  return collector.Finish();
}

}  // namespace civitas::query
