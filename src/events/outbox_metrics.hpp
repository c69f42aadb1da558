#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "events/relay_stats.hpp"
#include "platform/db/pool.hpp"

namespace events {

// The outbox's /metrics lines, in two operations::Observability collectors. From the database, so
// every instance reports the shared outbox (a database collector, refreshed in the
// background): backlog and oldest undelivered age.
boost::asio::awaitable<void> write_backlog_metrics(db::Pool& pool, std::string& out);
// This process's relay counters and delivery-lag histogram (`stats`; no database).
boost::asio::awaitable<void> write_relay_metrics(const RelayStats& stats, std::string& out);

}  // namespace events
