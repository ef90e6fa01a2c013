// Fuzzes the Subscription parser. Invariants: no crash or exception, every error has a message,
// and whatever parses renders to JSON that parses back and renders identically.

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/notify/subscription.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace civitas;
  static auto contexts = model::OpenContextStore("");
  std::string_view input(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  auto body = boost::json::parse(input, ec);
  if (ec) return 0;
  auto context = (*contexts)->Core();
  auto sub = notify::ParseSubscription(body, context, "urn:ngsi-ld:Subscription:fuzz");
  if (!sub.ok()) {
    if (sub.status().message().empty()) __builtin_trap();
    return 0;
  }
  Timestamp now{};
  notify::DeliveryStatus delivery;
  auto rendered = notify::RenderSubscription(*sub, delivery, *context, now);
  auto again = notify::ParseSubscription(rendered, context, "");
  if (!again.ok()) __builtin_trap();
  if (boost::json::serialize(notify::RenderSubscription(*again, delivery, *context, now)) !=
      boost::json::serialize(rendered)) {
    __builtin_trap();
  }
  return 0;
}
