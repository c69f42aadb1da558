#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

namespace http {

// The access log's line for one answer (ACCESS_LOG): request id, method, path without its
// query, status, time since `started` and body bytes.
void log_access(std::string_view request_id, std::string_view method, std::string_view target,
                std::chrono::steady_clock::time_point started, std::size_t bytes, int status);

}  // namespace http
