#pragma once

// API keys: random secrets shown once, kept only as keyed BLAKE2b hashes in the store's
// metadata (docs/formats/tokens.md).

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/core/time.h"
#include "civitas/security/principal.h"
#include "civitas/store/store.h"

namespace civitas::security {

// What a new token may do. Parsed from the CLI flags or a POST /api/v1/tokens body.
struct TokenSpec {
  Role role = Role::kPublic;
  std::vector<std::string> tenants{};   // at least one; "*" for all
  std::vector<std::string> entities{};  // device role: entity id patterns it may write
  std::optional<Timestamp> expires{};   // none: valid until revoked
};

// Parses {"role": "operator", "tenants": ["a"], "entities": [...], "expires": "30d"} (expires
// is a duration "<n>d|h|m|s" from `now` or an RFC 3339 instant). kBadRequestData / kInvalidRequest
// naming the offending member; unknown members are refused.
Result<TokenSpec> ParseTokenSpec(std::string_view json, Timestamp now);
// "30d", "12h", "90m", "3600s" after `now`, or an RFC 3339 instant; must lie in the future.
Result<Timestamp> ParseExpiry(std::string_view text, Timestamp now);

// A stored token as listed: everything but the secret and its hash.
struct TokenRecord {
  std::string id;  // 16 hex digits; also the principal id
  TokenSpec spec;
  Timestamp created;
  std::optional<Timestamp> revoked;
};

// The one moment a secret exists outside the caller's hands.
struct IssuedToken {
  std::string id;
  std::string token;  // "cvt_<id>_<secret>", secret = 32 random bytes in base64url
};

// Thread-safe: Verify takes a shared lock and hashes once (no allocation beyond the Principal);
// Create and Revoke write through to the store (synced) before they change the in-memory view.
class TokenStore {
 public:
  // Loads the server hash key from `key_file` (32 random bytes, created with mode 0600 when
  // missing) and every token record under meta "token/". kIoError when the key cannot be read
  // or written, kInternal for a corrupt record.
  static Result<std::unique_ptr<TokenStore>> Open(store::Store& store,
                                                  const std::filesystem::path& key_file,
                                                  const Clock& clock);

  // Needs a spec with at least one tenant. kIoError when the store write fails.
  Result<IssuedToken> Create(const TokenSpec& spec);
  // Every token, revoked and expired included, ordered by id.
  std::vector<TokenRecord> List() const;
  // Marks the token revoked (kept for the listing); kNotFound for an unknown id.
  Status Revoke(std::string_view id);

  // The principal of a "cvt_..." token; kUnauthenticated when malformed, unknown, revoked or
  // expired (the message says which, never the secret).
  Result<Principal> Verify(std::string_view token) const;

  // The keyed hash of any secret, for constant-time comparison with a configured one.
  using Digest = std::array<uint8_t, 32>;
  Digest Hash(std::string_view secret) const;

  ~TokenStore();

 private:
  struct Entry {
    TokenRecord record;
    Digest hash;
  };
  TokenStore(store::Store& store, const Clock& clock, std::array<uint8_t, 32> key);
  Status Persist(const Entry& entry);

  store::Store& store_;
  const Clock& clock_;
  std::array<uint8_t, 32> key_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
};

// The principal a token record grants (roles' permissions, tenants, entity patterns).
Principal PrincipalOf(const TokenRecord& record);

}  // namespace civitas::security
