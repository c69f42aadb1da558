#include "events/outbox_pruner.hpp"

#include <algorithm>
#include <cstdint>

#include <spdlog/spdlog.h>

#include "events/log_value.hpp"
#include "events/outbox_store.hpp"
#include "events/stoppable_sleep.hpp"
#include "platform/db/errors.hpp"

namespace events {

namespace {

constexpr int kPruneBatch = 1000;
constexpr int kMaxPruneBatchesPerRound = 50;

}  // namespace

boost::asio::awaitable<void> prune_delivered_events_until_stopped(
    db::Pool& pool, PruneSchedule schedule, const std::atomic<bool>& stopping) {
  auto wait = std::min(schedule.interval, std::chrono::milliseconds(5000));
  while (!stopping.load()) {
    co_await sleep_unless_stopping(wait, schedule.stop_check, stopping);
    if (stopping.load()) break;
    wait = schedule.interval;
    try {
      std::int64_t total = 0;
      for (int round = 0; round < kMaxPruneBatchesPerRound && !stopping.load(); ++round) {
        const auto deleted = co_await prune_delivered(pool, schedule.retention, kPruneBatch);
        total += deleted;
        if (deleted < kPruneBatch) break;
      }
      if (total > 0) spdlog::info("msg=\"pruned delivered outbox events\" count={}", total);
    } catch (const db::DbUnavailable&) {
    } catch (const std::exception& error) {
      spdlog::error("msg=\"outbox prune failed\" error=\"{}\"", one_line(error.what()));
    }
  }
}

}  // namespace events
