#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "app/background_work.hpp"
#include "app/connection_budget.hpp"
#include "app/event_loops.hpp"
#include "app/instruments.hpp"
#include "app/migrator.hpp"
#include "app/shutdown_signals.hpp"
#include "app/shutdown_watchdog.hpp"
#include "app/write_batchers.hpp"
#include "events/outbox_relay.hpp"
#include "events/outbox_wakeup.hpp"
#include "platform/config/config.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/write_lane.hpp"
#include "platform/http/request_policy.hpp"
#include "platform/http/server.hpp"

namespace app {

// One running service: its components, built in the order of the members below, each from
// those above it, and stopped in the reverse order (Seastar's deferred_stop, userver's
// component system): stop() and release_after_loops() spell that order out.
class Instance {
 public:
  // Throws config::ConfigError when the configuration cannot be used (the connection
  // budget, the relay's sink, the JWT key); nothing runs yet then.
  Instance(const config::Config& config, ShutdownWatchdog& watchdog);
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance();

  // Listens, starts the migrations and the background work, and serves until a signal's
  // drain ends (or a migration fails). Returns the process's exit code.
  int run();

 private:
  // On the first loop, once requests have drained (http::Server's before_loops_end).
  boost::asio::awaitable<void> stop();
  // Once every loop has run out of work: no coroutine is left suspended, so what they used
  // can go, users before what they use.
  void release_after_loops();

  const config::Config& config_;
  ShutdownWatchdog& watchdog_;
  const std::uint64_t open_files_;
  const unsigned threads_;
  const ConnectionBudget connections_;
  const db::PoolOptions pool_options_;
  const events::RelayOptions relay_options_;
  const std::unique_ptr<http::RequestPolicy> policy_;

  std::atomic<bool> schema_ready_{false};
  // Set on SIGTERM: /ready says 503 while requests go on.
  std::atomic<bool> draining_{false};
  // Payments (every loop) wake the outbox relay (first loop) through it.
  events::OutboxWakeup outbox_wakeup_;
  Instruments instruments_;
  // Batched writes run on a loop and connections of their own; the lane and the batchers
  // outlive the loops whose requests they batch.
  db::WriteLane write_lane_;
  WriteBatchers write_batchers_;
  EventLoops loops_;
  // After the loops: its sockets live on them, so it is destroyed before them.
  http::Server server_;

  // Made by run(), in this order.
  std::atomic<int> exit_code_{0};
  std::unique_ptr<Migrator> migrator_;
  std::unique_ptr<BackgroundWork> background_;
  std::unique_ptr<ShutdownSignals> signals_;
};

}  // namespace app
