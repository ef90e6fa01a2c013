// The binary entity record (docs/formats/entity-record.md). A fleet's upserts rewrite every
// record on every reading, so its size is what the write-ahead log, the memtable and the CRCs
// pay per write: the JSON record it replaces spelled out each attribute's IRI and four
// 16-digit times (~740 bytes for a 4-attribute sensor; this one ~270).
#include "civitas/model/entity_codec.h"

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <cstdint>

#include "civitas/core/shared_prefix.h"
#include "civitas/core/varint.h"
#include "civitas/model/json_text.h"
#include "src/model/entity_record_json.h"

namespace civitas::model {
namespace json = boost::json;
namespace {

// The record's first byte. JSON records start with '{'.
constexpr char kBinaryRecordVersion = 1;

// Stored: the numbers are the format's.
enum class ValueTag : uint8_t {
  kNull = 0,
  kFalse = 1,
  kTrue = 2,
  kInt64 = 3,
  kUint64 = 4,
  kDouble = 5,
  kString = 6,
  kJsonText = 7,
};

// An attribute's header byte: the kind in bits 0-2, then which optional members follow.
constexpr uint8_t kKindMask = 0x07;
constexpr uint8_t kHasDatasetId = 1 << 3;
constexpr uint8_t kHasObservedAt = 1 << 4;
constexpr uint8_t kHasUnitCode = 1 << 5;
constexpr uint8_t kHasCreatedAt = 1 << 6;
constexpr uint8_t kHasModifiedAt = 1 << 7;

// The entity's own times.
constexpr uint8_t kEntityHasCreatedAt = 1 << 0;
constexpr uint8_t kEntityHasModifiedAt = 1 << 1;

// Attributes and sub-attributes nested deeper than this are corruption: the parser stops at 16.
constexpr int kMaxDepth = 32;

// The fewest bytes a name (shared and rest lengths) and an attribute (a name, the header, a
// value tag, the sub-attribute count) take: what bounds a count read from a corrupt record.
constexpr size_t kMinNameBytes = 2;
constexpr size_t kMinAttributeBytes = kMinNameBytes + 3;
// Reserved up front at most; more grow as they decode.
constexpr uint64_t kTypicalAttributes = 32;

int64_t Micros(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp FromMicros(int64_t v) { return Timestamp{std::chrono::microseconds{v}}; }

// Attribute times are written relative to the entity's modifiedAt (most are equal to it, so
// one byte), wrapping modulo 2^64 so that any pair of values round-trips.
int64_t Offset(int64_t t, int64_t base) {
  return static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(base));
}
int64_t FromOffset(int64_t offset, int64_t base) {
  return static_cast<int64_t>(static_cast<uint64_t>(base) + static_cast<uint64_t>(offset));
}

class RecordWriter {
 public:
  RecordWriter(std::string& out, int64_t base) : out_(out), base_(base) {}

  void String(std::string_view s) {
    PutVarint64(out_, s.size());
    out_.append(s);
  }
  // Types and attribute IRIs share long prefixes ("https://uri.etsi.org/ngsi-ld/default-context/"),
  // and attributes come sorted by name: each name is the bytes it shares with the previous one,
  // then the rest.
  void Name(std::string_view name) {
    const size_t shared = SharedPrefixSize(name, previous_name_);
    PutVarint64(out_, shared);
    String(name.substr(shared));
    previous_name_ = name;
  }
  void Time(Timestamp t) { PutVarint64(out_, ZigZagEncode(Offset(Micros(t), base_))); }

  void Value(const json::value& v) {
    switch (v.kind()) {
      case json::kind::null:
        Tag(ValueTag::kNull);
        return;
      case json::kind::bool_:
        Tag(v.get_bool() ? ValueTag::kTrue : ValueTag::kFalse);
        return;
      case json::kind::int64:
        Tag(ValueTag::kInt64);
        PutVarint64(out_, ZigZagEncode(v.get_int64()));
        return;
      case json::kind::uint64:
        Tag(ValueTag::kUint64);
        PutVarint64(out_, v.get_uint64());
        return;
      case json::kind::double_:
        Tag(ValueTag::kDouble);
        PutFixed64(out_, std::bit_cast<uint64_t>(v.get_double()));
        return;
      case json::kind::string:
        Tag(ValueTag::kString);
        String(v.get_string());
        return;
      case json::kind::array:
      case json::kind::object:
        Tag(ValueTag::kJsonText);
        json_text_.clear();
        AppendJsonText(json_text_, v);
        String(json_text_);
        return;
    }
  }

  void WriteAttributes(const std::vector<Attribute>& attributes) {
    PutVarint64(out_, attributes.size());
    for (const Attribute& a : attributes) WriteAttribute(a);
  }

 private:
  void Tag(ValueTag tag) { out_.push_back(static_cast<char>(tag)); }

  void WriteAttribute(const Attribute& a) {
    Name(a.name);
    uint8_t header = static_cast<uint8_t>(a.kind);
    if (!a.dataset_id.empty()) header |= kHasDatasetId;
    if (a.observed_at) header |= kHasObservedAt;
    if (!a.unit_code.empty()) header |= kHasUnitCode;
    if (a.created_at) header |= kHasCreatedAt;
    if (a.modified_at) header |= kHasModifiedAt;
    out_.push_back(static_cast<char>(header));
    Value(a.value);
    if (!a.dataset_id.empty()) String(a.dataset_id);
    if (a.observed_at) Time(*a.observed_at);
    if (!a.unit_code.empty()) String(a.unit_code);
    if (a.created_at) Time(*a.created_at);
    if (a.modified_at) Time(*a.modified_at);
    WriteAttributes(a.sub_attributes);
  }

  std::string& out_;
  const int64_t base_;
  std::string_view previous_name_;  // into the entity being encoded
  std::string json_text_;
};

// Whether a projection (`only`; empty keeps all) keeps the attribute `name`.
bool Keeps(std::span<const std::string> only, std::string_view name) {
  return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

// Every Read* returns false on bytes a RecordWriter cannot have written.
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}

  bool done() const { return in_.empty(); }
  void set_base(int64_t base) { base_ = base; }

  bool ReadByte(uint8_t& b) {
    if (in_.empty()) return false;
    b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool ReadVarint(uint64_t& v) { return GetVarint64(in_, v); }
  bool ReadSigned(int64_t& v) {
    uint64_t z = 0;
    if (!ReadVarint(z)) return false;
    v = ZigZagDecode(z);
    return true;
  }
  // A count of items that take at least `min_bytes` each: a corrupt count fails here, and the
  // caller grows its vector only as items decode, so memory stays proportional to the record.
  bool ReadCount(uint64_t& n, size_t min_bytes) {
    return ReadVarint(n) && n <= in_.size() / min_bytes;
  }
  bool ReadString(std::string_view& s) {
    uint64_t n = 0;
    if (!ReadVarint(n) || n > in_.size()) return false;
    s = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  // The next name becomes previous_name_ (the base of the one after it).
  bool NextName() {
    uint64_t shared = 0;
    std::string_view rest;
    if (!ReadVarint(shared) || shared > previous_name_.size() || !ReadString(rest)) return false;
    previous_name_.resize(shared);
    previous_name_.append(rest);
    return true;
  }
  bool ReadName(std::string& out) {
    if (!NextName()) return false;
    out = previous_name_;
    return true;
  }
  bool ReadTime(std::optional<Timestamp>& t) {
    int64_t offset = 0;
    if (!ReadSigned(offset)) return false;
    t = FromMicros(FromOffset(offset, base_));
    return true;
  }

  // With `decode` false, reads past the value: strings and JSON texts are not materialised.
  bool ReadValue(json::value& v, bool decode) {
    uint8_t tag = 0;
    if (!ReadByte(tag)) return false;
    switch (static_cast<ValueTag>(tag)) {
      case ValueTag::kNull:
        v = nullptr;
        return true;
      case ValueTag::kFalse:
      case ValueTag::kTrue:
        v = static_cast<ValueTag>(tag) == ValueTag::kTrue;
        return true;
      case ValueTag::kInt64: {
        int64_t n = 0;
        if (!ReadSigned(n)) return false;
        v = n;
        return true;
      }
      case ValueTag::kUint64: {
        uint64_t n = 0;
        if (!ReadVarint(n)) return false;
        v = n;
        return true;
      }
      case ValueTag::kDouble: {
        uint64_t bits = 0;
        if (!GetFixed64(in_, bits)) return false;
        v = std::bit_cast<double>(bits);
        return true;
      }
      case ValueTag::kString: {
        std::string_view s;
        if (!ReadString(s)) return false;
        if (decode) v = json::string(s);
        return true;
      }
      case ValueTag::kJsonText: {
        std::string_view text;
        if (!ReadString(text)) return false;
        return !decode || (internal::ParseJsonValue(text, v) && (v.is_array() || v.is_object()));
      }
    }
    return false;
  }

  // `only`, when not empty: the top-level attributes kept; the others are stepped over.
  bool ReadAttributes(std::vector<Attribute>& out, int depth, std::span<const std::string> only) {
    uint64_t count = 0;
    if (depth >= kMaxDepth || !ReadCount(count, kMinAttributeBytes)) return false;
    out.reserve(std::min<uint64_t>(count, kTypicalAttributes));
    for (uint64_t i = 0; i < count; ++i) {
      if (!NextName()) return false;
      if (!Keeps(only, previous_name_)) {
        if (!SkipAttributeAfterName(depth)) return false;
        continue;
      }
      Attribute& a = out.emplace_back();
      a.name = previous_name_;
      if (!ReadAttributeAfterName(a, depth)) return false;
    }
    return true;
  }

 private:
  bool ReadAttributeAfterName(Attribute& a, int depth) {
    uint8_t header = 0;
    if (!ReadByte(header) || !ReadValue(a.value, /*decode=*/true)) return false;
    a.kind = static_cast<AttributeKind>(header & kKindMask);
    std::string_view s;
    if (header & kHasDatasetId) {
      if (!ReadString(s)) return false;
      a.dataset_id = s;
    }
    if ((header & kHasObservedAt) && !ReadTime(a.observed_at)) return false;
    if (header & kHasUnitCode) {
      if (!ReadString(s)) return false;
      a.unit_code = s;
    }
    if ((header & kHasCreatedAt) && !ReadTime(a.created_at)) return false;
    if ((header & kHasModifiedAt) && !ReadTime(a.modified_at)) return false;
    return ReadAttributes(a.sub_attributes, depth + 1, {});
  }

  // Reads past an attribute and its sub-attributes, keeping nothing and parsing no JSON text.
  bool SkipAttributeAfterName(int depth) {
    uint8_t header = 0;
    json::value scalar;  // set for scalar tags only
    if (!ReadByte(header) || !ReadValue(scalar, /*decode=*/false)) return false;
    std::string_view s;
    std::optional<Timestamp> t;
    if ((header & kHasDatasetId) && !ReadString(s)) return false;
    if ((header & kHasObservedAt) && !ReadTime(t)) return false;
    if ((header & kHasUnitCode) && !ReadString(s)) return false;
    if ((header & kHasCreatedAt) && !ReadTime(t)) return false;
    if ((header & kHasModifiedAt) && !ReadTime(t)) return false;
    uint64_t count = 0;
    if (depth + 1 >= kMaxDepth || !ReadCount(count, kMinAttributeBytes)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      if (!NextName() || !SkipAttributeAfterName(depth + 1)) return false;
    }
    return true;
  }

  std::string_view in_;
  int64_t base_ = 0;
  std::string previous_name_;
};

}  // namespace

std::string EncodeEntity(const Entity& e) {
  std::string out;
  out.reserve(256);
  out.push_back(kBinaryRecordVersion);
  const int64_t base = e.modified_at ? Micros(*e.modified_at) : 0;
  RecordWriter writer(out, base);
  writer.String(e.id);
  PutVarint64(out, e.types.size());
  for (const std::string& type : e.types) writer.Name(type);
  PutVarint64(out, e.scopes.size());
  for (const std::string& scope : e.scopes) writer.String(scope);
  const uint8_t times =
      (e.created_at ? kEntityHasCreatedAt : 0) | (e.modified_at ? kEntityHasModifiedAt : 0);
  out.push_back(static_cast<char>(times));
  if (e.modified_at) PutVarint64(out, ZigZagEncode(base));
  if (e.created_at) writer.Time(*e.created_at);
  writer.WriteAttributes(e.attributes);
  return out;
}

Entity ProjectEntity(const Entity& entity, std::span<const std::string> only) {
  if (only.empty()) return entity;
  Entity out;
  out.id = entity.id;
  out.types = entity.types;
  out.scopes = entity.scopes;
  out.created_at = entity.created_at;
  out.modified_at = entity.modified_at;
  out.attributes.reserve(only.size());  // one instance each, usually
  for (const auto& attribute : entity.attributes) {
    if (Keeps(only, attribute.name)) out.attributes.push_back(attribute);
  }
  return out;
}

Result<Entity> DecodeEntity(std::string_view record, std::span<const std::string> only) {
  if (!record.empty() && record.front() == '{') {
    CIVITAS_ASSIGN_OR_RETURN(Entity e, internal::DecodeJsonEntityRecord(record));
    std::erase_if(e.attributes, [&](const Attribute& a) { return !Keeps(only, a.name); });
    return e;
  }
  auto corrupt = [] { return Internal("stored entity record is corrupt"); };
  RecordReader in(record);
  uint8_t version = 0;
  if (!in.ReadByte(version) || version != kBinaryRecordVersion) return corrupt();
  Entity e;
  std::string_view id;
  uint64_t count = 0;
  if (!in.ReadString(id) || !in.ReadCount(count, kMinNameBytes)) return corrupt();
  e.id = id;
  for (uint64_t i = 0; i < count; ++i) {
    if (!in.ReadName(e.types.emplace_back())) return corrupt();
  }
  if (!in.ReadCount(count, 1)) return corrupt();
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view scope;
    if (!in.ReadString(scope)) return corrupt();
    e.scopes.emplace_back(scope);
  }
  uint8_t times = 0;
  if (!in.ReadByte(times) || (times & ~(kEntityHasCreatedAt | kEntityHasModifiedAt))) {
    return corrupt();
  }
  int64_t base = 0;
  if (times & kEntityHasModifiedAt) {
    if (!in.ReadSigned(base)) return corrupt();
    e.modified_at = FromMicros(base);
  }
  in.set_base(base);
  if ((times & kEntityHasCreatedAt) && !in.ReadTime(e.created_at)) return corrupt();
  if (!in.ReadAttributes(e.attributes, 0, only) || !in.done()) return corrupt();
  return e;
}

}  // namespace civitas::model
