#pragma once

// Base64url without padding (RFC 4648 §5), via libsodium. Internal to security/.

#include <optional>
#include <string>
#include <string_view>

namespace civitas::security {

// nullopt when `text` is not base64url.
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace civitas::security
