// Fuzzes the POST /api/v1/tokens body parser. Invariants: no crash, every error has a message,
// and an accepted spec has a real role and at least one tenant.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/security/token_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace civitas::security;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const civitas::Timestamp now(std::chrono::seconds(1'750'000'000));
  auto spec = ParseTokenSpec(input, now);
  if (spec.ok()) {
    if (spec->role == Role::kPublic || spec->tenants.empty()) __builtin_trap();
    if (spec->expires && *spec->expires <= now) __builtin_trap();
  } else if (spec.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
