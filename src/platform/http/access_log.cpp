#include "platform/http/access_log.hpp"

#include <spdlog/spdlog.h>

namespace http {

void log_access(std::string_view request_id, std::string_view method, std::string_view target,
                std::chrono::steady_clock::time_point started, std::size_t bytes, int status) {
  auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  // The target is shown without its query string: it may carry ids worth keeping out of logs.
  auto path = target.substr(0, target.find('?'));
  spdlog::info("request_id={} method={} path={} status={} duration_ms={:.3f} bytes={}", request_id,
               method, path, status, elapsed.count(), bytes);
}

}  // namespace http
