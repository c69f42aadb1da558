#pragma once

#include <memory>

#include "platform/config/config.hpp"
#include "platform/http/request_policy.hpp"

namespace app {

// The request policy the configuration asks for: the JWT key read and parsed once, the rate
// limiter sized. Logs which of them are on (a warning when user authentication is off).
// Throws config::ConfigError for a key file that cannot be read or used.
std::unique_ptr<http::RequestPolicy> make_request_policy(const config::Config& config);

}  // namespace app
