#pragma once

// JSON Web Tokens (RFC 7519) signed HS256, RS256 or ES256, verified with OpenSSL/libsodium
// primitives against configured keys; their claims become a Principal.

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/core/time.h"
#include "civitas/security/principal.h"

namespace civitas::security {

struct JwtOptions {
  std::string hs256_secret{};       // empty: HS256 tokens are refused
  std::string public_key_pem{};     // an RSA (RS256) or P-256 (ES256) public key; may be empty
  std::string jwks{};               // a JWKS document (RFC 7517) of RSA / P-256 keys; may be empty
  std::string issuer{};             // when set, `iss` must equal it
  std::string audience{};           // when set, `aud` (string or array) must contain it
  std::chrono::seconds leeway{30};  // clock skew allowed on exp and nbf
};

// The claims civitas reads: sub (required), exp (required, seconds since the epoch), nbf, iss,
// aud, roles (array) or role (string), tenants (array, required), entities (array, device).
// kUnauthenticated saying which claim is missing, malformed or out of date.
Result<Principal> PrincipalFromClaims(std::string_view claims_json, const JwtOptions& options,
                                      Timestamp now);

// Thread-safe. Verified tokens are cached by their BLAKE2b digest until they expire (bounded),
// so a client sending the same JWT pays one signature check.
class JwtVerifier {
 public:
  // kInvalidRequest when a key or the JWKS cannot be read, or no key is configured at all.
  static Result<std::unique_ptr<JwtVerifier>> Create(JwtOptions options);
  ~JwtVerifier();

  // kUnauthenticated for a malformed token, an unsupported or unconfigured alg ("none" always),
  // a bad signature, or failing claims.
  Result<Principal> Verify(std::string_view token, Timestamp now) const;

  struct Key;  // an OpenSSL public key with its JWKS kid (jwt_verifier.cc)

 private:
  struct Cached {
    Principal principal;
    Timestamp expires;
  };
  explicit JwtVerifier(JwtOptions options);
  Status CheckSignature(std::string_view alg, std::string_view kid, std::string_view signed_part,
                        std::string_view signature) const;

  JwtOptions options_;
  std::vector<std::unique_ptr<Key>> keys_;
  mutable absl::Mutex mu_;
  // By the token's digest bytes.
  mutable std::unordered_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

// True when the text looks like a compact JWS (three base64url parts): how callers tell a JWT
// from an API key.
bool LooksLikeJwt(std::string_view token);

}  // namespace civitas::security
