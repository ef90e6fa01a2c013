#pragma once

// Debian's Abseil has its own string_view (not an alias of std::string_view), and its hash and
// heterogeneous lookup take only that one. Internal to store/.

#include <absl/strings/string_view.h>

#include <string_view>

namespace civitas::store {

inline absl::string_view AbslView(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace civitas::store
