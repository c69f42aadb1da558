#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "events/relay_stats.hpp"
#include "platform/db/pool.hpp"

namespace events {

// The outbox's /metrics lines (an app::Observability collector): backlog and oldest
// undelivered age (from the database, so every instance reports the shared outbox), and
// this process's relay counters and delivery-lag histogram (`stats`).
boost::asio::awaitable<void> write_metrics(const RelayStats& stats, db::Pool& pool,
                                           std::string& out);

}  // namespace events
