#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "app/instruments.hpp"
#include "events/outbox_relay.hpp"
#include "events/outbox_wakeup.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/read_replica.hpp"
#include "platform/tasks/periodic_task.hpp"

namespace app {

// The instance's work that no request starts, all on one loop (the first) with database
// connections of its own, so a saturated request pool never holds it up (expired stock must
// come back within seconds): the periodic tasks, the read replica's probe, and the outbox
// relay. Every instance runs all of it; the database shares the work out (SKIP LOCKED,
// idempotent folds).
class BackgroundWork {
 public:
  struct Dependencies {
    boost::asio::io_context& loop;
    db::PoolOptions pool_options;  // the request pools'; the size is set here
    const std::atomic<bool>& schema_ready;
    Instruments& instruments;
    events::OutboxWakeup& outbox_wakeup;
    db::ReadReplica* replica;  // null without DATABASE_READ_URL
    events::RelayOptions relay;
  };

  explicit BackgroundWork(Dependencies dependencies);
  // After the loop has ended: the tasks, then the pool they used.
  ~BackgroundWork();
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  // Before the loop runs: the periodic tasks, the replica's probe, then the relay.
  void start();
  // On the loop, once requests have drained, in the reverse order: afterwards nothing of
  // this keeps the loop running (the relay ends at its next wake-up).
  boost::asio::awaitable<void> stop();

 private:
  void add_task(std::string name, std::chrono::milliseconds period,
                std::function<boost::asio::awaitable<void>(db::Pool&)> step);

  Dependencies dependencies_;
  std::unique_ptr<db::Pool> pool_;
  std::vector<std::unique_ptr<tasks::PeriodicTask>> tasks_;
  std::atomic<bool> relay_stopping_{false};
};

}  // namespace app
