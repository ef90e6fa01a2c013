#include "civitas/security/token_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "civitas/core/log.h"

namespace civitas::security {
namespace json = boost::json;
namespace {

constexpr std::string_view kMetaPrefix = "token/";
constexpr std::string_view kTokenPrefix = "cvt_";
constexpr size_t kIdBytes = 8;       // 16 hex digits
constexpr size_t kSecretBytes = 32;  // 43 base64url characters
constexpr size_t kIdChars = 2 * kIdBytes;
constexpr size_t kSecretChars = 43;

std::string Hex(const uint8_t* data, size_t size) {
  std::string out(2 * size + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

bool FromHex(std::string_view hex, uint8_t* out, size_t size) {
  size_t written = 0;
  return sodium_hex2bin(out, size, hex.data(), hex.size(), nullptr, &written, nullptr) == 0 &&
         written == size;
}

// The key is created once and never rotated: rotating would invalidate every issued token.
Result<std::array<uint8_t, 32>> LoadOrCreateKey(const std::filesystem::path& path) {
  std::array<uint8_t, 32> key{};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = ::read(fd, key.data(), key.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(key.size())) {
      return IoError("token hash key " + path.string() + " is not 32 bytes");
    }
    return key;
  }
  if (errno != ENOENT) return IoError("cannot read token hash key " + path.string());
  randombytes_buf(key.data(), key.size());
  fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create token hash key " + path.string());
  bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return IoError("cannot write token hash key " + path.string());
  return key;
}

json::array ToJson(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

std::string Encode(const TokenRecord& r, const TokenStore::Digest& hash) {
  json::object o;
  o["id"] = r.id;
  o["role"] = RoleName(r.spec.role);
  o["tenants"] = ToJson(r.spec.tenants);
  if (!r.spec.entities.empty()) o["entities"] = ToJson(r.spec.entities);
  o["created"] = FormatTimestamp(r.created);
  if (r.spec.expires) o["expires"] = FormatTimestamp(*r.spec.expires);
  if (r.revoked) o["revoked"] = FormatTimestamp(*r.revoked);
  o["hash"] = Hex(hash.data(), hash.size());
  return json::serialize(o);
}

Result<Timestamp> TimeMember(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return Internal("no " + std::string(name));
  return ParseTimestamp(v->as_string());
}

Result<std::pair<TokenRecord, TokenStore::Digest>> Decode(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Internal("token record is not a JSON object");
  const auto& o = doc.as_object();
  TokenRecord r;
  TokenStore::Digest hash{};
  const auto* id = o.if_contains("id");
  const auto* role = o.if_contains("role");
  const auto* hash_hex = o.if_contains("hash");
  const auto* tenants = o.if_contains("tenants");
  if (id == nullptr || !id->is_string() || role == nullptr || !role->is_string() ||
      hash_hex == nullptr || !hash_hex->is_string() || tenants == nullptr || !tenants->is_array() ||
      !FromHex(hash_hex->as_string(), hash.data(), hash.size())) {
    return Internal("token record misses id, role, tenants or hash");
  }
  r.id = id->as_string();
  auto parsed_role = ParseRole(role->as_string());
  if (!parsed_role) return Internal("token record has an unknown role");
  r.spec.role = *parsed_role;
  for (const auto& t : tenants->as_array()) {
    if (t.is_string()) r.spec.tenants.emplace_back(t.as_string());
  }
  if (const auto* e = o.if_contains("entities"); e != nullptr && e->is_array()) {
    for (const auto& item : e->as_array()) {
      if (item.is_string()) r.spec.entities.emplace_back(item.as_string());
    }
  }
  CIVITAS_ASSIGN_OR_RETURN(r.created, TimeMember(o, "created"));
  if (o.contains("expires")) {
    CIVITAS_ASSIGN_OR_RETURN(r.spec.expires, TimeMember(o, "expires"));
  }
  if (o.contains("revoked")) {
    CIVITAS_ASSIGN_OR_RETURN(r.revoked, TimeMember(o, "revoked"));
  }
  return std::pair{std::move(r), hash};
}

}  // namespace

Principal PrincipalOf(const TokenRecord& record) {
  Principal p;
  p.id = record.id;
  p.role = record.spec.role;
  p.permissions = PermissionsOf(record.spec.role);
  p.tenants = record.spec.tenants;
  p.entities = record.spec.entities;
  p.expires = record.spec.expires;
  return p;
}

TokenStore::TokenStore(store::Store& store, const Clock& clock, std::array<uint8_t, 32> key)
    : store_(store), clock_(clock), key_(key) {}

TokenStore::~TokenStore() { sodium_memzero(key_.data(), key_.size()); }

Result<std::unique_ptr<TokenStore>> TokenStore::Open(store::Store& store,
                                                     const std::filesystem::path& key_file,
                                                     const Clock& clock) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  CIVITAS_ASSIGN_OR_RETURN(auto key, LoadOrCreateKey(key_file));
  std::unique_ptr<TokenStore> tokens(new TokenStore(store, clock, key));
  sodium_memzero(key.data(), key.size());
  absl::MutexLock lock(&tokens->mu_);  // not shared yet; taken for the analysis
  for (const auto& [meta_key, text] : store.ScanMeta(kMetaPrefix)) {
    auto decoded = Decode(text);
    if (!decoded.ok()) return Internal(meta_key + ": " + decoded.status().message());
    auto& [record, hash] = *decoded;
    std::string id = record.id;
    tokens->entries_.emplace(std::move(id), Entry{std::move(record), hash});
  }
  return tokens;
}

TokenStore::Digest TokenStore::Hash(std::string_view secret) const {
  Digest out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(secret.data()),
                     secret.size(), key_.data(), key_.size());
  return out;
}

Status TokenStore::Persist(const Entry& entry) {
  return store_.PutMeta(std::string(kMetaPrefix) + entry.record.id,
                        Encode(entry.record, entry.hash));
}

Result<IssuedToken> TokenStore::Create(const TokenSpec& spec) {
  if (spec.tenants.empty()) return BadRequestData("a token needs at least one tenant");
  uint8_t id_bytes[kIdBytes];
  uint8_t secret[kSecretBytes];
  randombytes_buf(id_bytes, sizeof id_bytes);
  randombytes_buf(secret, sizeof secret);
  char secret_text[sodium_base64_ENCODED_LEN(kSecretBytes,
                                             sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(secret_text, sizeof secret_text, secret, sizeof secret,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(secret, sizeof secret);
  Entry entry;
  entry.record.id = Hex(id_bytes, sizeof id_bytes);
  entry.record.spec = spec;
  entry.record.created = clock_.Now();
  entry.hash = Hash(secret_text);
  IssuedToken issued{entry.record.id,
                     std::string(kTokenPrefix) + entry.record.id + "_" + secret_text};
  sodium_memzero(secret_text, sizeof secret_text);
  CIVITAS_RETURN_IF_ERROR(Persist(entry));
  absl::MutexLock lock(&mu_);
  entries_.emplace(entry.record.id, std::move(entry));
  return issued;
}

std::vector<TokenRecord> TokenStore::List() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<TokenRecord> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) out.push_back(entry.record);
  return out;
}

Status TokenStore::Revoke(std::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return NotFound("no token with id '" + std::string(id) + "'");
  if (it->second.record.revoked) return Status::Ok();
  Entry updated = it->second;
  updated.record.revoked = clock_.Now();
  // Persist under the lock so a concurrent Revoke cannot write an older record after ours.
  CIVITAS_RETURN_IF_ERROR(Persist(updated));
  it->second = std::move(updated);
  return Status::Ok();
}

Result<Principal> TokenStore::Verify(std::string_view token) const {
  if (token.size() != kTokenPrefix.size() + kIdChars + 1 + kSecretChars ||
      !token.starts_with(kTokenPrefix) || token[kTokenPrefix.size() + kIdChars] != '_') {
    return Status(StatusCode::kUnauthenticated, "the API key is malformed");
  }
  std::string_view id = token.substr(kTokenPrefix.size(), kIdChars);
  std::string_view secret = token.substr(kTokenPrefix.size() + kIdChars + 1);
  Digest presented = Hash(secret);
  absl::ReaderMutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end() ||
      sodium_memcmp(presented.data(), it->second.hash.data(), presented.size()) != 0) {
    return Status(StatusCode::kUnauthenticated, "the API key is not valid");
  }
  const TokenRecord& record = it->second.record;
  if (record.revoked) return Status(StatusCode::kUnauthenticated, "the API key was revoked");
  if (record.spec.expires && *record.spec.expires <= clock_.Now()) {
    return Status(StatusCode::kUnauthenticated, "the API key has expired");
  }
  return PrincipalOf(record);
}

}  // namespace civitas::security
