#pragma once

#include <atomic>
#include <cstdint>

#include "civitas/core/status.h"
#include "civitas/demo/city.h"
#include "civitas/model/context.h"
#include "civitas/store/store.h"

namespace civitas::cli {

// Progress of a backfill, readable from any thread while it runs.
struct BackfillProgress {
  std::atomic<int64_t> devices_done{0};  // relaxed: a display figure
  std::atomic<int64_t> values{0};        // attribute instances written, relaxed
};

// Writes the demo city straight into the store (the fast path: no HTTP, no JSON per sample):
// the city's own entities, each device's history in [from_us, to_us) and its state at its last
// sample before to_us, and the incident reports of the range. Batches of devices go in one
// Mutate each, on `threads` threads; returns once everything is durable (one group-committed
// fsync). Idempotent: writing a range again replaces the same instances. Once `stop` is true
// no new batch starts and it returns early (OK): what was written stays, and writing the range
// again completes it. Errors: the store's.
Status BackfillCity(store::Store& store, const model::Context& core, const demo::City& city,
                    int64_t from_us, int64_t to_us, int threads, BackfillProgress& progress,
                    const std::atomic<bool>& stop);

// Writes the incident reports made in [from_us, to_us) as Alert entities (not yet durable).
Status WriteIncidents(store::Store& store, const model::Context& core, const demo::City& city,
                      int64_t from_us, int64_t to_us);

}  // namespace civitas::cli
