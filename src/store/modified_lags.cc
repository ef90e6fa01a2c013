// ModifiedLags (temporal_store.h): a series' modifiedAt lags, banded by write hour.

#include <algorithm>

#include "civitas/store/temporal_store.h"

namespace civitas::store {
namespace {

// A band this wide (live data arriving up to a day or two late) is not split by later writes.
constexpr int64_t kNarrowHours = 48;

bool Wide(int64_t least, int64_t greatest) {
  // As unsigned: a corrupt or extreme band may span more than int64_t holds.
  return static_cast<uint64_t>(greatest) - static_cast<uint64_t>(least) >
         static_cast<uint64_t>(kNarrowHours);
}

// The first band starting after `write_hour`: the one before it (if any) covers that hour.
template <typename Bands>
auto BandAfter(Bands& bands, int64_t write_hour) {
  return std::upper_bound(bands.begin(), bands.end(), write_hour,
                          [](int64_t hour, const auto& b) { return hour < b.from_hour; });
}

}  // namespace

void ModifiedLags::Note(int64_t write_hour, int64_t lag) {
  auto next = BandAfter(bands_, write_hour);
  if (next == bands_.begin()) {
    // Before every band (an import of old writes): nothing else was written from then on to the
    // first band's start.
    bands_.insert(next, Band{write_hour, write_hour, lag, lag});
  } else {
    Band& band = *std::prev(next);
    const int64_t least = std::min(band.least, lag);
    const int64_t greatest = std::max(band.greatest, lag);
    if (next == bands_.end() && write_hour > band.to_hour && Wide(least, greatest)) {
      bands_.push_back(Band{write_hour, write_hour, lag, lag});
    } else {
      // Within the band, or in the hours after it (before the next band's first): it grows.
      band.to_hour = std::max(band.to_hour, write_hour);
      band.least = least;
      band.greatest = greatest;
    }
  }
  while (bands_.size() > kMaxBands) {
    bands_[0].to_hour = bands_[1].to_hour;
    bands_[0].least = std::min(bands_[0].least, bands_[1].least);
    bands_[0].greatest = std::max(bands_[0].greatest, bands_[1].greatest);
    bands_.erase(bands_.begin() + 1);
  }
}

bool ModifiedLags::Covers(int64_t write_hour, int64_t lag) const {
  auto next = BandAfter(bands_, write_hour);
  if (next == bands_.begin()) return false;
  const Band& band = *std::prev(next);
  return write_hour <= band.to_hour && band.least <= lag && lag <= band.greatest;
}

std::optional<std::pair<int64_t, int64_t>> ModifiedLags::Between(int64_t from_hour,
                                                                 int64_t to_hour) const {
  std::optional<std::pair<int64_t, int64_t>> out;
  for (const Band& band : bands_) {
    if (band.from_hour > to_hour) break;
    if (band.to_hour < from_hour) continue;
    out = out ? std::pair{std::min(out->first, band.least), std::max(out->second, band.greatest)}
              : std::pair{band.least, band.greatest};
  }
  return out;
}

bool ModifiedLags::Assign(std::vector<Band> bands) {
  bands_.clear();
  if (bands.size() > kMaxBands) return false;
  for (size_t i = 0; i < bands.size(); ++i) {
    if (bands[i].least > bands[i].greatest || bands[i].from_hour > bands[i].to_hour) return false;
    if (i > 0 && bands[i].from_hour <= bands[i - 1].to_hour) return false;
  }
  bands_ = std::move(bands);
  return true;
}

}  // namespace civitas::store
