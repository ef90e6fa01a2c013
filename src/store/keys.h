#pragma once

// Key layout of the RocksDB column families (docs/formats/store.md). Internal to store/.

#include <cstdint>
#include <string>
#include <string_view>

namespace civitas::store::keys {

inline constexpr char kSep = '\0';

// entities CF: tenant \0 id
inline std::string Entity(std::string_view tenant, std::string_view id) {
  std::string k;
  k.reserve(tenant.size() + id.size() + 1);
  k.append(tenant).push_back(kSep);
  k.append(id);
  return k;
}
inline std::string EntityPrefix(std::string_view tenant) {
  std::string k(tenant);
  k.push_back(kSep);
  return k;
}

inline void AppendBigEndian(std::string& k, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((v >> shift) & 0xff));
}
inline uint64_t ReadBigEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

// Name ids (NameDictionary) are 4 bytes big-endian: fixed width, so no separator is needed.
inline void AppendId(std::string& k, uint32_t id) {
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>((id >> shift) & 0xff));
}
inline uint32_t ReadId(std::string_view bytes) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

// index CF: tag tenant \0 name-id(4) id, for tag 'T' (type), 'A' (attribute), and
// 'G' tenant \0 geoproperty-id(4) cell(8 bytes, big-endian) id.
inline std::string NamePrefix(char tag, std::string_view tenant, uint32_t name_id) {
  std::string k;
  k.reserve(tenant.size() + 6);
  k.push_back(tag);
  k.append(tenant).push_back(kSep);
  AppendId(k, name_id);
  return k;
}
inline std::string NameIndex(char tag, std::string_view tenant, uint32_t name_id,
                             std::string_view id) {
  return NamePrefix(tag, tenant, name_id).append(id);
}
inline std::string GeoIndex(std::string_view tenant, uint32_t geoproperty_id, uint64_t cell,
                            std::string_view id) {
  std::string k = NamePrefix('G', tenant, geoproperty_id);
  AppendBigEndian(k, cell);
  k.append(id);
  return k;
}

// meta CF: 'N' tenant → "" (tenant registry); 'M' key → blob (server metadata);
// 'D' name → id (NameDictionary); 'V' → format version;
// 'C' tenant \0 kind \0 name-ids... → int64 counter (merge-added).
inline std::string TenantKey(std::string_view tenant) { return std::string("N").append(tenant); }
inline std::string MetaKey(std::string_view key) { return std::string("M").append(key); }
inline std::string CounterPrefix(std::string_view tenant, char kind) {
  std::string k("C");
  k.append(tenant).push_back(kSep);
  k.push_back(kind);
  k.push_back(kSep);
  return k;
}

// Smallest key greater than every key starting with `prefix` (for iterate_upper_bound).
inline std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace civitas::store::keys
