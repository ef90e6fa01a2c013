// Fuzzes the aggrPeriodDuration parser: any text gets a Status or a duration in (0, 2^62] µs,
// never a crash or an overflow.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/core/check.h"
#include "src/api/iso_duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = civitas::api::ParseIsoDurationUs(text);
  if (parsed.ok()) {
    CIVITAS_CHECK(*parsed > 0 && *parsed <= (int64_t{1} << 62));
    CIVITAS_CHECK(!text.empty() && text[0] == 'P');
  } else {
    CIVITAS_CHECK(parsed.status().code() == civitas::StatusCode::kBadRequestData);
  }
  return 0;
}
