// Fuzzes the entity catalog decoder (temporal_keys.h) with arbitrary bytes (storage
// corruption), as a format 7 record and as a format 5 or 6 one (the upgrade's reading): a record
// decodes or is reported corrupt, never a crash; what decodes re-encodes to a record that
// decodes to the same catalog, whose modifiedAt lags are well-formed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "civitas/core/check.h"
#include "src/store/temporal_keys.h"

namespace tk = civitas::store::temporal_keys;

namespace {

// What decodes re-encodes to a record that decodes to the same catalog.
void CheckRoundTrip(const civitas::store::TemporalEntity& decoded) {
  const std::string record = tk::EncodeCatalog(decoded.types, decoded.series);
  civitas::store::TemporalEntity again;
  CIVITAS_CHECK(tk::DecodeCatalog(record, again));
  CIVITAS_CHECK(tk::EncodeCatalog(again.types, again.series) == record);
  for (const auto& series : again.series) {
    const auto& bands = series.modified_lags.bands();
    CIVITAS_CHECK(bands.size() <= civitas::store::ModifiedLags::kMaxBands);
    for (size_t i = 0; i < bands.size(); ++i) {
      CIVITAS_CHECK(bands[i].least <= bands[i].greatest);
      CIVITAS_CHECK(bands[i].from_hour <= bands[i].to_hour);
      CIVITAS_CHECK(i == 0 || bands[i - 1].to_hour < bands[i].from_hour);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view record(reinterpret_cast<const char*>(data), size);
  civitas::store::TemporalEntity decoded;
  if (tk::DecodeCatalog(record, decoded)) CheckRoundTrip(decoded);
  // The same bytes as a format 5 or 6 catalog, as the upgrade reads them.
  for (int format : {5, 6}) {
    if (tk::DecodeCatalog(record, decoded, tk::OlderCatalog{format, 500'000})) {
      CheckRoundTrip(decoded);
    }
  }
  return 0;
}
