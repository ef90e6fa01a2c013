// Fuzzes JWT handling: the input as a compact token (header, base64url, signature paths of an
// HS256 verifier) and as a claims document. Invariants: no crash, every refusal says why, and
// nothing with random bytes for a signature ever verifies.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/security/jwt_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace civitas::security;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const civitas::Timestamp now(std::chrono::seconds(1'750'000'000));
  JwtOptions options{.hs256_secret = "fuzz-secret-fuzz-secret-fuzz-secret!",
                     .issuer = "https://idp.example",
                     .audience = "civitas"};
  static auto verifier = std::move(JwtVerifier::Create(options)).value();
  auto verified = verifier->Verify(input, now);
  if (verified.ok()) __builtin_trap();  // a forged HMAC: impossible without the secret
  if (verified.status().message().empty()) __builtin_trap();

  auto claims = PrincipalFromClaims(input, options, now);
  if (claims.ok()) {
    if (claims->id.empty() || claims->tenants.empty() || !claims->expires) __builtin_trap();
  } else if (claims.status().code() != civitas::StatusCode::kUnauthenticated) {
    __builtin_trap();
  }
  return 0;
}
