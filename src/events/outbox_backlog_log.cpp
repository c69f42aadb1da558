#include "events/outbox_backlog_log.hpp"

#include <spdlog/spdlog.h>

#include "events/outbox_store.hpp"

namespace events {

namespace {

using Clock = std::chrono::steady_clock;

// How often, at most, the relay without a platform logs its backlog.
constexpr auto kBacklogLogInterval = std::chrono::seconds(10);

}  // namespace

boost::asio::awaitable<void> log_outbox_backlog_until_stopped(
    db::Pool& pool, async::WakeUp& committed, std::chrono::milliseconds poll_interval,
    const std::atomic<bool>& stopping) {
  auto last_logged = Clock::time_point{};
  while (!stopping.load()) {
    const bool woken = co_await committed.wait_for(poll_interval);
    if (!woken || Clock::now() - last_logged < kBacklogLogInterval) continue;
    try {
      const auto pending = co_await backlog(pool);
      if (pending.undelivered == 0) continue;
      last_logged = Clock::now();
      spdlog::info(
          "msg=\"DATA_PLATFORM_URL not set; keeping events undelivered\" undelivered={} "
          "oldest_age_seconds={:.1f}",
          pending.undelivered, pending.oldest_age_seconds);
    } catch (const std::exception&) {
      // The database is not there yet; nothing to report.
    }
  }
}

}  // namespace events
