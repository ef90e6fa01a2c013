#pragma once

#include <string>
#include <vector>

namespace civitas::cli {

struct TokenOptions {
  std::string data_dir = "data/serve";
  std::string action;  // "create", "list" or "revoke"
  std::string role;
  std::vector<std::string> tenants;
  std::vector<std::string> entities;
  std::string expires;  // "30d", "12h", ... or RFC 3339; empty: never
  std::string id;       // revoke
};

// `civitas token create|list|revoke`: works on the store directly, so the server must not be
// running on that data dir (RocksDB's lock refuses a second opener: exit 1 with that message);
// with a running server use POST/GET/DELETE /api/v1/tokens instead. `create` prints the token
// once on stdout. Exit codes: 0 done, 1 store error, 2 bad options or unknown id.
int Token(const TokenOptions& options);

}  // namespace civitas::cli
