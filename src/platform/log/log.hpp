#pragma once

#include <string>

namespace logging {

// Sets up the process-wide asynchronous logger (stdout, logfmt-style lines). Logging never
// blocks an I/O thread: when the queue is full the oldest lines are dropped.
void init(const std::string& level);
void shutdown();

}  // namespace logging
