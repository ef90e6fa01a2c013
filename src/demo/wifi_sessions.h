#pragma once

// Connection sessions at the public Wi-Fi access points (private to src/demo/). Sessions are
// drawn per access point and hour: how many start (Poisson, following footfall), when, for how
// long, and from which synthetic device (a third are regulars of the access point). The
// synthetic MAC address is made and hashed inside wifi_sessions.cc and never stored.

#include <cstdint>

#include "civitas/demo/city.h"

namespace civitas::demo {

// Sessions of `ap` in progress at `t_us`: the clientsConnected count the access point reports.
int ConnectedDevices(const City& city, const Device& ap, int64_t t_us);

}  // namespace civitas::demo
