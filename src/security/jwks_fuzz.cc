// Fuzzes the JWKS reader (JSON, base64url members, OpenSSL key import). Invariants: no crash,
// and a refused document says why.

#include <cstddef>
#include <cstdint>
#include <string>

#include "civitas/security/jwt_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace civitas::security;
  auto verifier =
      JwtVerifier::Create({.jwks = std::string(reinterpret_cast<const char*>(data), size)});
  if (!verifier.ok() && verifier.status().message().empty()) __builtin_trap();
  return 0;
}
