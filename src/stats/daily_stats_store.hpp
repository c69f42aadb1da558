#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"
#include "stats/daily_stats.hpp"

namespace stats {

// The sales days of `range` that had sales (paid orders or units), any order: paid orders
// and revenue (sum of payAmount) of the orders paid that day (kept in daily_order_totals
// once the day is over), units from the daily
// sales statistics plus the sales not folded into them yet. Days in the session's time
// zone, SERVICE_TIME_ZONE, as payments date their sales.
boost::asio::awaitable<std::vector<DailySales>> daily_sales(db::Pool& pool, const DayRange& range);

}  // namespace stats
