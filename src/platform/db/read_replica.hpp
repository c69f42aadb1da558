#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "platform/db/errors.hpp"
#include "platform/db/pool.hpp"
#include "platform/tasks/periodic_task.hpp"

namespace db {

// What one lag probe of the replica saw.
struct ReplicaProbe {
  // Seconds between now and the last transaction the replica replayed, 0 when it has
  // replayed everything it received; nullopt when the probe failed (replica down) or the
  // node is not a streaming replica.
  std::optional<double> lag_seconds;
  std::chrono::steady_clock::time_point at{};
};

struct ReplicaLimits {
  // The contract lets best sellers be 10 s stale; a replica further behind than this is
  // not read from, which leaves room for the answer caches on top of it.
  std::chrono::milliseconds max_lag{5000};
  // A probe older than this proves nothing any more (the prober itself may be stuck).
  std::chrono::milliseconds max_probe_age{3000};
};

// The rule: read from the replica only when a recent probe found it at most max_lag behind.
bool replica_usable(const ReplicaProbe& probe, std::chrono::steady_clock::time_point now,
                    const ReplicaLimits& limits = {});

// Watches a streaming replica (DATABASE_READ_URL) with a periodic lag probe on a connection
// of its own, on one event loop. Every loop asks it, before a read that may be stale,
// whether the replica may be used; thread-safe for those questions.
//
// The probe sees one node: DATABASE_READ_URL must send all of an instance's connections to
// the same replica (one replica, or HAProxy with `balance source`, as scripts/cluster --ha
// configures), or the probe could vouch for a node the reads do not go to.
class ReadReplica {
 public:
  ReadReplica(boost::asio::any_io_executor executor, PoolOptions options,
              ReplicaLimits limits = {});
  ~ReadReplica();
  ReadReplica(const ReadReplica&) = delete;
  ReadReplica& operator=(const ReadReplica&) = delete;

  void start();
  boost::asio::awaitable<void> stop();

  // Usable for a read that may be at most `max_lag` stale (capped by the limits' max_lag).
  bool usable(std::chrono::milliseconds max_lag) const;
  bool usable() const { return usable(limits_.max_lag); }
  // The last measured replay lag in seconds; negative when the last probe failed.
  double lag_seconds() const { return lag_seconds_.load(std::memory_order_relaxed); }
  // Prometheus text: db_replica_lag_seconds and db_replica_in_use.
  void write_metrics(std::string& out) const;

 private:
  boost::asio::awaitable<void> probe_once();

  ReplicaLimits limits_;
  std::unique_ptr<Pool> pool_;  // one connection, the probe's own
  std::unique_ptr<tasks::PeriodicTask> task_;
  std::atomic<double> lag_seconds_{-1.0};
  std::atomic<std::int64_t> probed_at_ns_{0};  // steady clock; 0: never succeeded
};

// One event loop's choice of pool for reads the contract lets be stale (best sellers;
// product names, prices, descriptions): its replica pool while the replica is usable,
// else the primary's. Stock, balances, coupons and orders never come through here.
class StaleReads {
 public:
  StaleReads(Pool& primary, Pool* replica, const ReadReplica* health)
      : primary_(primary), replica_(replica), health_(health) {}

  // Runs `read(pool)` on the replica if it is at most `max_lag` behind (and within the
  // replica's limit); if the replica fails it (down since the last probe), once more on the
  // primary. A read has no effect to repeat.
  template <typename Read>
  auto read(Read read, std::chrono::milliseconds max_lag = std::chrono::milliseconds::max()) const
      -> decltype(read(std::declval<Pool&>())) {
    if (replica_ != nullptr && health_ != nullptr && health_->usable(max_lag)) {
      bool replica_failed = false;
      try {
        co_return co_await read(*replica_);
      } catch (const DbUnavailable&) {
        replica_failed = true;
      }
      if (replica_failed) co_return co_await read(primary_);
    }
    co_return co_await read(primary_);
  }

  Pool& primary() const { return primary_; }

 private:
  Pool& primary_;
  Pool* replica_;
  const ReadReplica* health_;
};

}  // namespace db
