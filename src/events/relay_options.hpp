#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "events/event_sinks.hpp"
#include "events/retry_policy.hpp"
#include "platform/config/config.hpp"
#include "platform/db/pool.hpp"

namespace events {

struct RelayOptions {
  std::optional<SinkUrl> platform;  // none: events are kept undelivered, and logged
  std::string signing_secret;       // DATA_PLATFORM_SECRET: HTTP posts are signed
  std::string ca_file;  // DATA_PLATFORM_CA_FILE: trusted for https://; empty: the system's
  std::chrono::milliseconds lease{30'000};
  std::chrono::hours retention{24};
  int batch_size = 100;    // events claimed per statement
  int max_in_flight = 16;  // concurrent deliveries (HTTP: each on its own keep-alive connection)
  std::chrono::milliseconds poll_interval{1000};  // when no notification wakes the relay
  std::chrono::milliseconds prune_interval{60'000};
  RetryPolicy retry;
  // Connection settings for the relay's own connections (a small pool and the LISTEN
  // connection), so that request load on the shared pools never delays deliveries.
  db::PoolOptions database;
};

// Database connections one relay opens: its small pool plus its LISTEN connection.
inline constexpr std::size_t kRelayConnections = 4;

// The relay's settings from the configuration; a DATA_PLATFORM_URL this relay cannot use
// (not an http://, https:// or nats:// URL), or an https:// one whose trusted certificates
// cannot be loaded, throws config::ConfigError.
RelayOptions relay_options(const config::Config& config, const db::PoolOptions& database);

}  // namespace events
