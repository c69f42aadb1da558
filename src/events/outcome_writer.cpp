#include "events/outcome_writer.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "events/log_value.hpp"
#include "platform/db/errors.hpp"

namespace events {

boost::asio::awaitable<OutcomeWrite> write_outcomes(db::Pool& pool, PendingOutcomes& pending,
                                                    RelayStats& stats) {
  auto delivered = std::exchange(pending.acknowledged, {});
  auto failures = std::exchange(pending.failed, {});
  bool database_down = false;
  try {
    if (!delivered.empty()) {
      const auto lags = co_await mark_delivered(pool, delivered);
      for (double lag : lags) stats.record_delivery(lag);
      spdlog::debug("msg=\"outbox events delivered\" count={}", lags.size());
      delivered.clear();
    }
    co_await reschedule_failed(pool, failures);
  } catch (const db::DbUnavailable&) {
    // Keep the outcomes and write them once the database answers again (if the leases
    // run out first, the events are sent again: at-least-once).
    pending.acknowledged.insert(pending.acknowledged.end(), delivered.begin(), delivered.end());
    pending.failed.insert(pending.failed.end(), failures.begin(), failures.end());
    database_down = true;
  } catch (const std::exception& error) {
    spdlog::error("msg=\"outbox outcome write failed\" error=\"{}\"", one_line(error.what()));
  }
  co_return database_down ? OutcomeWrite::database_down : OutcomeWrite::done;
}

}  // namespace events
