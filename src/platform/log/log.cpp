#include "platform/log/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace logging {

void init(const std::string& level) {
  spdlog::init_thread_pool(16384, 1);
  auto logger = spdlog::create_async_nb<spdlog::sinks::stdout_sink_mt>("ecommerce");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown() {
  spdlog::default_logger()->flush();
  spdlog::shutdown();
}

}  // namespace logging
