#pragma once

#include <string>

namespace civitas::cli {

struct CompactOptions {
  std::string data_dir = "data/serve";
  std::string config;       // civitas.yaml (its retention rules apply); empty: ./civitas.yaml
  std::string context_dir;  // as for serve, to expand the config's type names
};

// `civitas compact`: compacts a data dir that no server has open (RocksDB's lock says so),
// dropping overwritten and deleted data and applying retention. Prints the size before and
// after. Exit code 0 when done, 1 when the store cannot be opened or compacted, 2 for a bad
// configuration.
int Compact(const CompactOptions& options);

}  // namespace civitas::cli
