#include "demo_backfill.h"

#include <mutex>
#include <thread>
#include <vector>

#include "civitas/demo/measures.h"
#include "civitas/model/entity_json.h"
#include "civitas/model/entity_ops.h"
#include "demo_ngsi.h"

namespace civitas::cli {
namespace {

// Devices per Mutate: large enough to amortise the batch, small enough to keep a batch's
// history (about 5,000 instances per device-week) in a few tens of MB.
constexpr size_t kDevicesPerBatch = 16;

Status PutEntities(store::Store& store, const model::Context& core,
                   const std::vector<boost::json::object>& entities) {
  const Timestamp now = Clock::System().Now();
  std::vector<model::Entity> parsed;
  std::vector<std::string> ids;
  for (const auto& json : entities) {
    CIVITAS_ASSIGN_OR_RETURN(model::Entity entity, model::ParseEntity(json, core));
    model::StampNew(entity, now);
    ids.push_back(entity.id);
    parsed.push_back(std::move(entity));
  }
  return store.Mutate("", ids, [&](store::Mutation& m) -> Status {
    for (auto& entity : parsed) m.Put(std::move(entity));
    return Status::Ok();
  });
}

Status WriteDevices(store::Store& store, const model::Context& core, const demo::City& city,
                    size_t first, size_t last, int64_t from_us, int64_t to_us,
                    BackfillProgress& progress) {
  HistoryEncoder encoder(core);
  std::vector<demo::Reading> readings;
  std::vector<std::string> ids;
  std::vector<std::vector<store::TemporalInstance>> histories;
  std::vector<model::Entity> entities;
  const Timestamp now = Clock::System().Now();
  int64_t values = 0;
  for (size_t i = first; i < last; ++i) {
    const demo::Device& device = city.devices[i];
    const int64_t period = demo::InfoOf(device.kind).period_s * 1'000'000;
    std::vector<store::TemporalInstance> history;
    for (int64_t t = demo::FirstSampleAtOrAfter(device, from_us); t < to_us; t += period) {
      demo::SampleDevice(city, device, t, readings);
      encoder.Append(readings, t, history);
    }
    // The simulated past: every reading was written as it was observed.
    for (auto& instance : history) instance.modified_at_us = instance.timestamp_us;
    values += static_cast<int64_t>(history.size());
    int64_t latest = demo::FirstSampleAtOrAfter(device, to_us - period);
    demo::SampleDevice(city, device, latest, readings);
    CIVITAS_ASSIGN_OR_RETURN(
        model::Entity entity,
        model::ParseEntity(DeviceEntity(city, device, readings, latest), core));
    model::StampNew(entity, now);
    ids.push_back(entity.id);
    entities.push_back(std::move(entity));
    histories.push_back(std::move(history));
  }
  CIVITAS_RETURN_IF_ERROR(store.Mutate("", ids, [&](store::Mutation& m) -> Status {
    for (size_t k = 0; k < ids.size(); ++k) {
      m.AddHistory(ids[k], entities[k].types, std::move(histories[k]));
      m.Put(std::move(entities[k]));
    }
    return Status::Ok();
  }));
  progress.devices_done.fetch_add(static_cast<int64_t>(last - first), std::memory_order_relaxed);
  progress.values.fetch_add(values, std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace

Status WriteIncidents(store::Store& store, const model::Context& core, const demo::City& city,
                      int64_t from_us, int64_t to_us) {
  std::vector<boost::json::object> reports;
  for (const demo::Incident& incident : demo::IncidentsBetween(city, from_us, to_us)) {
    reports.push_back(IncidentEntity(city, incident));
    if (reports.size() == 256) {
      CIVITAS_RETURN_IF_ERROR(PutEntities(store, core, reports));
      reports.clear();
    }
  }
  return reports.empty() ? Status::Ok() : PutEntities(store, core, reports);
}

Status BackfillCity(store::Store& store, const model::Context& core, const demo::City& city,
                    int64_t from_us, int64_t to_us, int threads, BackfillProgress& progress,
                    const std::atomic<bool>& stop) {
  CIVITAS_RETURN_IF_ERROR(PutEntities(store, core, CityEntities(city)));
  CIVITAS_RETURN_IF_ERROR(WriteIncidents(store, core, city, from_us, to_us));
  std::atomic<size_t> next{0};  // relaxed: only hands out batch numbers
  std::mutex mu;
  Status first_error = Status::Ok();
  auto work = [&] {
    while (!stop.load(std::memory_order_acquire)) {
      size_t first = next.fetch_add(kDevicesPerBatch, std::memory_order_relaxed);
      if (first >= city.devices.size()) return;
      size_t last = std::min(first + kDevicesPerBatch, city.devices.size());
      Status written = WriteDevices(store, core, city, first, last, from_us, to_us, progress);
      if (!written.ok()) {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = written;
        next.store(city.devices.size(), std::memory_order_relaxed);
        return;
      }
    }
  };
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
  CIVITAS_RETURN_IF_ERROR(first_error);
  return store.SyncDurable();
}

}  // namespace civitas::cli
