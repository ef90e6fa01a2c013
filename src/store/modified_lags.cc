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
    bands_.insert(next, Band{write_hour, lag, lag});
  } else {
    Band& band = *std::prev(next);
    const int64_t least = std::min(band.least, lag);
    const int64_t greatest = std::max(band.greatest, lag);
    // Only a write hour after every other may start a band: no sample written since would be
    // left in a band whose lags do not cover it.
    if (next == bands_.end() && write_hour > last_write_hour_ && Wide(least, greatest)) {
      bands_.push_back(Band{write_hour, lag, lag});
    } else {
      band.least = least;
      band.greatest = greatest;
    }
  }
  last_write_hour_ = std::max(last_write_hour_, write_hour);
  while (bands_.size() > kMaxBands) {
    bands_[0].least = std::min(bands_[0].least, bands_[1].least);
    bands_[0].greatest = std::max(bands_[0].greatest, bands_[1].greatest);
    bands_.erase(bands_.begin() + 1);
  }
}

bool ModifiedLags::Covers(int64_t write_hour, int64_t lag) const {
  if (write_hour > last_write_hour_) return false;
  auto next = BandAfter(bands_, write_hour);
  if (next == bands_.begin()) return false;
  const Band& band = *std::prev(next);
  return band.least <= lag && lag <= band.greatest;
}

std::optional<std::pair<int64_t, int64_t>> ModifiedLags::Between(int64_t from_hour,
                                                                 int64_t to_hour) const {
  std::optional<std::pair<int64_t, int64_t>> out;
  if (from_hour > last_write_hour_) return out;
  for (size_t i = 0; i < bands_.size(); ++i) {
    const Band& band = bands_[i];
    if (band.from_hour > to_hour) break;
    if (i + 1 < bands_.size() && bands_[i + 1].from_hour <= from_hour) continue;
    out = out ? std::pair{std::min(out->first, band.least), std::max(out->second, band.greatest)}
              : std::pair{band.least, band.greatest};
  }
  return out;
}

bool ModifiedLags::Assign(std::vector<Band> bands, int64_t last_write_hour) {
  bands_.clear();
  last_write_hour_ = INT64_MIN;
  for (size_t i = 0; i < bands.size(); ++i) {
    if (bands[i].least > bands[i].greatest) return false;
    if (i > 0 && bands[i].from_hour <= bands[i - 1].from_hour) return false;
  }
  if (bands.size() > kMaxBands) return false;
  if (!bands.empty() && last_write_hour < bands.back().from_hour) return false;
  bands_ = std::move(bands);
  last_write_hour_ = bands_.empty() ? INT64_MIN : last_write_hour;
  return true;
}

}  // namespace civitas::store
