#include "events/outbox_metrics.hpp"

#include <optional>

#include <fmt/format.h>

#include "events/outbox_store.hpp"
#include "events/relay_stats.hpp"
#include "platform/db/errors.hpp"
#include "platform/metrics/prometheus_text.hpp"

namespace events {

boost::asio::awaitable<void> write_backlog_metrics(db::Pool& pool, std::string& out) {
  using metrics::write_help;
  using metrics::write_sample;
  // A database outage must not take the other metrics down with it: leave these out.
  std::optional<Backlog> pending;
  try {
    pending = co_await backlog(pool);
  } catch (const db::DbUnavailable&) {
  }
  if (pending) {
    write_help(out, "outbox_backlog_events", "gauge",
               "Paid-order events not yet delivered to the data platform (all instances).");
    write_sample(out, "outbox_backlog_events", {}, static_cast<double>(pending->undelivered));
    write_help(out, "outbox_oldest_undelivered_age_seconds", "gauge",
               "Age of the oldest undelivered event; 0 when none is waiting.");
    write_sample(out, "outbox_oldest_undelivered_age_seconds", {}, pending->oldest_age_seconds);
  }
}

boost::asio::awaitable<void> write_relay_metrics(const RelayStats& stats, std::string& out) {
  using metrics::write_help;
  using metrics::write_sample;
  const auto counts = stats.snapshot();
  write_help(out, "outbox_delivered_total", "counter",
             "Events this process's relay delivered (acknowledged with a 2xx).");
  write_sample(out, "outbox_delivered_total", {}, static_cast<double>(counts.delivered_total));
  write_help(out, "outbox_failed_attempts_total", "counter",
             "Delivery attempts that failed (platform down, timeout, non-2xx) and were retried.");
  write_sample(out, "outbox_failed_attempts_total", {},
               static_cast<double>(counts.failed_attempts_total));
  write_help(out, "outbox_delivery_lag_seconds", "histogram",
             "From an event's creation in the payment transaction to its acknowledgement.");
  for (std::size_t i = 0; i < kDeliveryLagBuckets.size(); ++i) {
    const std::string le = fmt::format("{}", kDeliveryLagBuckets[i]);
    write_sample(out, "outbox_delivery_lag_seconds_bucket", {{"le", le}},
                 static_cast<double>(counts.lag_buckets[i]));
  }
  write_sample(out, "outbox_delivery_lag_seconds_bucket", {{"le", "+Inf"}},
               static_cast<double>(counts.lag_count));
  write_sample(out, "outbox_delivery_lag_seconds_sum", {}, counts.lag_sum_seconds);
  write_sample(out, "outbox_delivery_lag_seconds_count", {}, static_cast<double>(counts.lag_count));
  co_return;
}

}  // namespace events
