#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/ingest/provisioning.h"
#include "civitas/store/store.h"

namespace civitas::ingest {

// The provisioned service groups (by apikey) and devices (by device_id), kept in memory and in
// the store's metadata ("iot/service/<apikey>", "iot/device/<device_id>") so they survive
// restarts. Thread-safe; the MQTT bridge reads it on every message.
class DeviceRegistry {
 public:
  explicit DeviceRegistry(store::Store& store) : store_(store) {}

  // Loads what an earlier run provisioned. kInternal when a stored entry no longer parses.
  Status Load();

  // Adds groups / devices atomically as a set: kAlreadyExists (nothing added) when any apikey or
  // device_id is taken, kIoError when they cannot be persisted.
  Status AddServices(const std::vector<ServiceGroup>& groups);
  Status AddDevices(const std::vector<Device>& devices);

  std::vector<ServiceGroup> Services() const;
  std::vector<Device> Devices() const;
  std::optional<Device> FindDevice(std::string_view device_id) const;
  std::optional<ServiceGroup> FindService(std::string_view apikey) const;

  // kNotFound when absent.
  Status RemoveService(std::string_view apikey);
  Status RemoveDevice(std::string_view device_id);

 private:
  store::Store& store_;
  mutable std::mutex mu_;
  std::map<std::string, ServiceGroup, std::less<>> services_;  // guarded by mu_
  std::map<std::string, Device, std::less<>> devices_;         // guarded by mu_
};

}  // namespace civitas::ingest
