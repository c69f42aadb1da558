#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "app/instruments.hpp"
#include "app/services.hpp"
#include "app/write_batchers.hpp"
#include "console/console_files.hpp"
#include "docs/docs_assets.hpp"
#include "events/outbox_wakeup.hpp"
#include "platform/config/config.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/read_replica.hpp"
#include "platform/http/router.hpp"
#include "platform/http/server.hpp"

namespace app {

// What every loop's handlers share (app::Services is this plus the loop's own pools).
struct LoopDependencies {
  const config::Config& config;
  const std::atomic<bool>& schema_ready;
  const std::atomic<bool>& draining;
  Instruments& instruments;
  events::OutboxWakeup& outbox_wakeup;
  WriteBatchers& write_batchers;
  std::shared_ptr<const docs::DocsFiles> docs_files;
  std::shared_ptr<const console::LoadedConsole> console_files;
};

// The instance's HTTP event loops, one per thread, each with its own database pool (and,
// with DATABASE_READ_URL, its own replica pool), services and routes, so a request's work
// stays on its thread. The read replica's health, shared by the loops, lives here too.
class EventLoops {
 public:
  // Registers each loop's pool with `shared.instruments`.
  EventLoops(unsigned count, const db::PoolOptions& pool_options, const LoopDependencies& shared);
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;
  ~EventLoops();

  std::vector<http::LoopRoutes> routes() const;
  // Where the instance's background work runs.
  boost::asio::io_context& first() { return loops_.front()->context; }
  // Null without DATABASE_READ_URL.
  db::ReadReplica* replica() { return replica_.get(); }

  // Once the loops have run out of work: the handlers' state, then the pools they used,
  // then the replica's health. The io_contexts stay until destruction, after the server
  // whose sockets live on them.
  void release();

 private:
  struct Loop {
    boost::asio::io_context context{1};
    std::unique_ptr<db::Pool> pool;
    // DATABASE_READ_URL: the loop's connections to the replica, and the choice between it
    // and `pool` for reads that may be stale.
    std::unique_ptr<db::Pool> replica_pool;
    std::unique_ptr<db::StaleReads> stale_reads;
    std::unique_ptr<Services> services;
    http::Router router;
  };

  std::unique_ptr<db::ReadReplica> replica_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace app
