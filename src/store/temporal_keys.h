#pragma once

// Key layout of the `temporal` column family (docs/formats/temporal-store.md). Internal to
// store/.
//
//   E = tenant \0 id \0                  entity prefix
//   \x01 E                               → the entity's catalog: types and series (the
//                                         catalogs of a tenant are adjacent: a listing of
//                                         entities reads them in one sequential pass)
//   S = E attr \0 datasetId \0           series prefix (attr is never empty)
//   S 'C' be64(hour start)               → TimeSeriesChunk of the samples of that UTC hour
//
// The open hours of a series are its head (series_heads.h): in memory, durable in the
// `temporal_log` column family, where S 'P' (the head key) names it.
//
// be64(t) is the int64 µs timestamp with its sign bit flipped, big-endian, so keys sort in time
// order across the epoch.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civitas/core/varint.h"
#include "civitas/store/temporal_store.h"

namespace civitas::store::temporal_keys {

inline constexpr char kSep = '\0';
inline constexpr int64_t kHourUs = 3'600'000'000;

// The key tags of a series' chunks and head.
inline constexpr char kChunkTag = 'C';
inline constexpr char kHeadTag = 'P';  // ends the head key

inline std::string EntityPrefix(std::string_view tenant, std::string_view id) {
  std::string k;
  k.reserve(tenant.size() + id.size() + 2);
  k.append(tenant).push_back(kSep);
  k.append(id).push_back(kSep);
  return k;
}
// Catalog keys sort apart from the entities' data: tenant names never start with \x01.
inline constexpr char kCatalogTag = '\x01';
inline std::string EntityCatalogKey(std::string_view tenant, std::string_view id) {
  return std::string(1, kCatalogTag).append(EntityPrefix(tenant, id));
}
// The first catalog key of a tenant (`\x01 tenant \0`); all its catalogs start with it.
inline std::string CatalogPrefix(std::string_view tenant) {
  std::string k(1, kCatalogTag);
  k.append(tenant).push_back(kSep);
  return k;
}
// The entity prefix of a catalog key; empty when it is none (corrupt).
inline std::string_view EntityPrefixOfCatalog(std::string_view key) {
  if (key.empty() || key.front() != kCatalogTag) return {};
  key.remove_prefix(1);
  const size_t tenant_end = key.find(kSep);
  if (tenant_end == std::string_view::npos || key.size() < tenant_end + 3 || key.back() != kSep ||
      key.find(kSep, tenant_end + 1) != key.size() - 1) {
    return {};
  }
  return key;
}
// The entity prefix (`tenant \0 id \0`) a temporal key starts with; empty when the key has
// none (corrupt).
inline std::string_view EntityPrefixOf(std::string_view key) {
  const size_t tenant_end = key.find(kSep);
  if (tenant_end == std::string_view::npos) return {};
  const size_t id_end = key.find(kSep, tenant_end + 1);
  if (id_end == std::string_view::npos) return {};
  return key.substr(0, id_end + 1);
}

// The tenant and the id of an entity prefix (`tenant \0 id \0`, as EntityPrefixOf gives it).
inline std::pair<std::string_view, std::string_view> SplitEntityPrefix(std::string_view prefix) {
  const size_t tenant_end = prefix.find(kSep);
  return {prefix.substr(0, tenant_end),
          prefix.substr(tenant_end + 1, prefix.size() - tenant_end - 2)};
}

// The value of an entity catalog key: each expanded type followed by \0, a \0, then per series
// (sorted by attr, datasetId) attr \0 datasetId \0 u8 kind unitCode \0, then its modifiedAt
// lags: varint band count, per band zigzag varints of its first write hour less the previous
// band's last (the first less 0), varint of its last write hour less its first, zigzag
// varints of its least and greatest lag. One read lists an entity's history (a query visits
// thousands).
inline std::string EncodeCatalog(const std::vector<std::string>& types,
                                 const std::vector<TemporalSeries>& series) {
  std::string record;
  for (const auto& type : types) record.append(type).push_back(kSep);
  record.push_back(kSep);
  for (const auto& s : series) {
    record.append(s.attr).push_back(kSep);
    record.append(s.dataset_id).push_back(kSep);
    record.push_back(static_cast<char>(s.kind));
    record.append(s.unit_code).push_back(kSep);
    const auto& bands = s.modified_lags.bands();
    PutVarint64(record, bands.size());
    // Differences wrap (as the decoder's sums do): a band may start at any hour.
    uint64_t previous_to = 0;
    for (const auto& band : bands) {
      const auto from = static_cast<uint64_t>(band.from_hour);
      PutVarint64(record, ZigZagEncode(static_cast<int64_t>(from - previous_to)));
      PutVarint64(record, static_cast<uint64_t>(band.to_hour) - from);
      PutVarint64(record, ZigZagEncode(band.least));
      PutVarint64(record, ZigZagEncode(band.greatest));
      previous_to = static_cast<uint64_t>(band.to_hour);
    }
  }
  return record;
}

// The lags as store formats 5 and 6 kept them, which DecodeCatalog reads for the upgrade. 5:
// one range per series (zigzag varints of the least and the greatest lag; none when least >
// greatest), read as one band of every write hour up to `now_hour`. 6: bands without their last
// write hour (zigzag varints of the first write hour less the previous band's first, least,
// greatest, then of the series' last write hour less the last band's first), each band read as
// running until the next one's first.
struct OlderCatalog {
  int format;        // 5 or 6
  int64_t now_hour;  // format 5: the hour of the upgrade, its bands' last write hour
};
// False when the record is corrupt; `entity` then holds what was read before the damage.
inline bool DecodeCatalog(std::string_view record, TemporalEntity& entity,
                          std::optional<OlderCatalog> older = std::nullopt) {
  entity.types.clear();
  entity.series.clear();
  auto next = [&](std::string_view& field) {
    const size_t end = record.find(kSep);
    if (end == std::string_view::npos) return false;
    field = record.substr(0, end);
    record.remove_prefix(end + 1);
    return true;
  };
  auto zigzag = [&](int64_t& out) {
    uint64_t v = 0;
    if (!GetVarint64(record, v)) return false;
    out = ZigZagDecode(v);
    return true;
  };
  // Sums wrap: a corrupt record then leaves the bands out of order, which Assign refuses.
  auto plus = [](int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  };
  std::string_view field;
  while (true) {
    if (!next(field)) return false;
    if (field.empty()) break;
    entity.types.emplace_back(field);
  }
  while (!record.empty()) {
    TemporalSeries& series = entity.series.emplace_back();
    if (!next(field) || field.empty()) return false;
    series.attr = field;
    if (!next(field)) return false;
    series.dataset_id = field;
    if (record.empty()) return false;  // the kind byte may be 0: read by size, not by \0
    series.kind = static_cast<model::AttributeKind>(static_cast<uint8_t>(record[0]));
    record.remove_prefix(1);
    if (!next(field)) return false;
    series.unit_code = field;
    if (older && older->format == 5) {
      int64_t least = 0, greatest = 0;
      if (!zigzag(least) || !zigzag(greatest)) return false;
      if (least > greatest) continue;  // no modifiedAt
      if (!series.modified_lags.Assign({{INT64_MIN, older->now_hour, least, greatest}})) {
        return false;
      }
      continue;
    }
    uint64_t count = 0;
    if (!GetVarint64(record, count) || count > ModifiedLags::kMaxBands) return false;
    std::vector<ModifiedLags::Band> bands(count);
    int64_t previous = 0;  // the previous band's last write hour (format 6: its first)
    for (auto& band : bands) {
      int64_t delta = 0;
      uint64_t span = 0;
      if (!zigzag(delta)) return false;
      band.from_hour = plus(previous, delta);
      if (!older && !GetVarint64(record, span)) return false;
      band.to_hour = plus(band.from_hour, static_cast<int64_t>(span));
      if (!zigzag(band.least) || !zigzag(band.greatest)) return false;
      previous = older ? band.from_hour : band.to_hour;
    }
    if (older && count > 0) {
      int64_t last = 0;
      if (!zigzag(last)) return false;
      for (size_t i = 0; i + 1 < bands.size(); ++i) {
        bands[i].to_hour = plus(bands[i + 1].from_hour, -1);
      }
      bands.back().to_hour = plus(bands.back().from_hour, last);
    }
    if (!series.modified_lags.Assign(std::move(bands))) return false;
  }
  return true;
}

inline std::string AttrPrefix(std::string_view tenant, std::string_view id, std::string_view attr) {
  return EntityPrefix(tenant, id).append(attr).append(1, kSep);
}
inline std::string SeriesPrefix(std::string_view tenant, std::string_view id, std::string_view attr,
                                std::string_view dataset_id) {
  std::string k;
  // One allocation, with room for a head tag or an hour after it (a write builds one per series).
  k.reserve(tenant.size() + id.size() + attr.size() + dataset_id.size() + 4 + 8);
  k.append(tenant).push_back(kSep);
  k.append(id).push_back(kSep);
  k.append(attr).push_back(kSep);
  k.append(dataset_id).push_back(kSep);
  return k;
}

inline void AppendTime(std::string& k, int64_t t) {
  uint64_t v = static_cast<uint64_t>(t) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((v >> shift) & 0xff));
}
// The time at the end of a key (its last 8 bytes). Precondition: key.size() >= 8.
inline int64_t TimeAtEnd(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = key.size() - 8; i < key.size(); ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  return static_cast<int64_t>(v ^ (uint64_t{1} << 63));
}

inline std::string Tagged(std::string series_prefix, char tag, int64_t t) {
  series_prefix.push_back(tag);
  AppendTime(series_prefix, t);
  return series_prefix;
}

// The number of the UTC hour holding `t`: floor(t / 1 h), for every int64 t.
inline int64_t HourIndex(int64_t t) { return t / kHourUs - (t % kHourUs < 0 ? 1 : 0); }
// The start of hour number `index`, clamped to the hours of the int64 range.
inline int64_t HourStart(int64_t index) {
  if (index <= HourIndex(INT64_MIN)) return INT64_MIN;
  return std::min(index, HourIndex(INT64_MAX)) * kHourUs;
}

// The start of the UTC hour holding `t` (floor, also for negative t); INT64_MIN for the
// times of the first, partial hour of the int64 range.
inline int64_t HourOf(int64_t t) {
  int64_t h = t / kHourUs;
  if (t % kHourUs < 0) {
    if (h == INT64_MIN / kHourUs) return INT64_MIN;
    --h;
  }
  return h * kHourUs;
}

}  // namespace civitas::store::temporal_keys
