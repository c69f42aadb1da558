#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace events {

// The X-Signature header value of an HTTP event delivery:
// "t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<body>")>", so the platform
// can tell our events from forgeries and refuse old replays (it checks t).
std::string event_signature(std::string_view secret, std::int64_t unix_seconds,
                            std::string_view body);

}  // namespace events
