// Fuzzes the history record reader of `civitas import --history` on each line of the input.
// Invariants: no crash or exception, every rejection has a message, and an accepted record is
// an instance of a named attribute of an entity with a URI id and at least one type.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bulk_history.h"
#include "civitas/model/entity_json.h"

namespace {

const civitas::model::Context& Core() {
  static auto contexts = civitas::model::OpenContextStore("");
  if (!contexts.ok()) __builtin_trap();
  static auto core = (*contexts)->Core();
  return *core;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    auto record = civitas::cli::ParseHistoryRecord(input.substr(start, end - start), Core());
    if (record.ok()) {
      if (!civitas::model::IsUri(record->id) || record->types.empty() ||
          record->instance.attr.empty()) {
        __builtin_trap();
      }
    } else if (record.status().message().empty()) {
      __builtin_trap();
    }
    start = end + 1;
  }
  return 0;
}
