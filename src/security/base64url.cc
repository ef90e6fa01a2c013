#include "src/security/base64url.h"

#include <sodium.h>

namespace civitas::security {

std::optional<std::string> DecodeBase64Url(std::string_view text) {
  std::string out(text.size() * 3 / 4 + 3, '\0');
  size_t written = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &written, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(written);
  return out;
}

}  // namespace civitas::security
