#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "events/event_sinks.hpp"
#include "events/outbox_wakeup.hpp"
#include "events/relay_stats.hpp"
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

// Delivers ORDER_PAID events from the outbox to the data platform until `stopping`, in
// every instance: woken through `wakeup` after each payment of this process commits,
// by NOTIFY outbox_events from anywhere (an operator's retry, a tool), and by a poll timer
// (events of other instances that died before delivering them), claims due rows with SKIP LOCKED
// under a lease, POSTs them with bounded concurrency, and marks them delivered or reschedules them
// with backoff. Also prunes old delivered rows. Runs on the calling coroutine's executor;
// `schema_ready` gates its database work until migrations are applied; its counters go to
// `stats` (for /metrics).
boost::asio::awaitable<void> run_outbox_relay(RelayOptions options,
                                              const std::atomic<bool>* schema_ready,
                                              const std::atomic<bool>& stopping,
                                              OutboxWakeup& wakeup, RelayStats& stats);

}  // namespace events
