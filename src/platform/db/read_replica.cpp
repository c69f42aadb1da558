#include "platform/db/read_replica.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "platform/db/errors.hpp"
#include "platform/db/params.hpp"
#include "platform/metrics/prometheus_text.hpp"

namespace db {

namespace {

using Clock = std::chrono::steady_clock;

// Lag as time, which is what the contract bounds: since the last replayed transaction,
// unless the replica has replayed all it received (an idle primary sends nothing, and
// the replica is then as fresh as it can be). A node that is not in recovery is the
// primary itself (the read URL may reach it after a failover): no lag. A replica whose
// WAL receiver is not streaming (its primary gone) has no known lag: not used.
const Statement kReplicaLag{
    "read_replica.lag",
    "SELECT CASE"
    "  WHEN NOT pg_is_in_recovery() THEN 0::float8"
    "  WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')"
    "    THEN NULL"
    "  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8"
    "  ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8"
    " END"};

std::int64_t to_ns(Clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

}  // namespace

bool replica_usable(const ReplicaProbe& probe, Clock::time_point now, const ReplicaLimits& limits) {
  if (!probe.lag_seconds) return false;
  if (now - probe.at > limits.max_probe_age) return false;
  const double max_lag = std::chrono::duration<double>(limits.max_lag).count();
  return *probe.lag_seconds >= 0.0 && *probe.lag_seconds <= max_lag;
}

ReadReplica::ReadReplica(boost::asio::any_io_executor executor, PoolOptions options,
                         ReplicaLimits limits)
    : limits_(limits) {
  // The probe must answer within a second or two: a replica that cannot is as good as down.
  options.max_connections = 1;
  options.acquire_timeout = std::chrono::milliseconds(1000);
  options.connect.connect_timeout = std::chrono::milliseconds(1000);
  options.connect.statement_timeout = std::chrono::milliseconds(1000);
  options.connect.io_timeout = std::chrono::milliseconds(2000);
  options.reconnect_backoff = std::chrono::milliseconds(500);
  pool_ = std::make_unique<Pool>(executor, options);
  tasks::PeriodicSettings settings;
  settings.period = std::chrono::milliseconds(1000);
  task_ = std::make_unique<tasks::PeriodicTask>(executor, "read-replica-probe", settings,
                                                [this] { return probe_once(); });
}

ReadReplica::~ReadReplica() = default;

void ReadReplica::start() {
  task_->start();
}

boost::asio::awaitable<void> ReadReplica::stop() {
  co_await task_->stop();
}

boost::asio::awaitable<void> ReadReplica::probe_once() {
  std::optional<double> lag;
  try {
    auto connection = co_await pool_->acquire();
    auto result = co_await connection->execute(kReplicaLag, Params());
    if (result.rows() == 1 && !result.is_null(0, 0)) lag = std::stod(result.string(0, 0));
  } catch (const DbUnavailable& error) {
    spdlog::debug("msg=\"read replica probe failed\" error=\"{}\"", error.what());
  } catch (const DbError& error) {
    spdlog::warn("msg=\"read replica probe failed\" error=\"{}\"", error.what());
  }
  // Failures are recorded, not thrown: the probe keeps its one-second period, so a replica
  // that comes back is used again within a second or two.
  const bool was_usable = usable();
  lag_seconds_.store(lag.value_or(-1.0), std::memory_order_relaxed);
  probed_at_ns_.store(lag ? to_ns(Clock::now()) : 0, std::memory_order_relaxed);
  if (was_usable != usable()) {
    spdlog::info("msg=\"read replica {}\" lag_seconds={:.3f}",
                 usable() ? "in use" : "not used (down or behind)", lag.value_or(-1.0));
  }
}

bool ReadReplica::usable(std::chrono::milliseconds max_lag) const {
  const auto at_ns = probed_at_ns_.load(std::memory_order_relaxed);
  if (at_ns == 0) return false;
  ReplicaLimits limits = limits_;
  limits.max_lag = std::min(limits.max_lag, max_lag);
  ReplicaProbe probe;
  probe.lag_seconds = lag_seconds_.load(std::memory_order_relaxed);
  probe.at = Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(at_ns)));
  return replica_usable(probe, Clock::now(), limits);
}

void ReadReplica::write_metrics(std::string& out) const {
  metrics::write_help(out, "db_replica_lag_seconds", "gauge",
                      "Replay lag of the read replica (DATABASE_READ_URL) at its last probe; "
                      "-1 when the probe failed.");
  metrics::write_sample(out, "db_replica_lag_seconds", {}, lag_seconds());
  metrics::write_help(out, "db_replica_in_use", "gauge",
                      "1 while reads that may be stale go to the replica, 0 while they go to "
                      "the primary (replica down or over 5 s behind).");
  metrics::write_sample(out, "db_replica_in_use", {}, usable() ? 1.0 : 0.0);
}

}  // namespace db
