#pragma once

#include <memory>

#include "platform/config/config.hpp"
#include "platform/http/request_gate.hpp"

namespace app {

// The request gate the configuration asks for: the JWT key read and parsed once, the rate
// limiter sized. Logs which of them are on (a warning when user authentication is off).
// Throws config::ConfigError for a key file that cannot be read or used.
std::unique_ptr<http::RequestGate> make_request_gate(const config::Config& config);

}  // namespace app
