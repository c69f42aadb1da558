#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "platform/db/pool.hpp"

namespace stats {

// Moves up to `batch` rows of sales_pending into daily_product_sales, summed per day and
// product, in one statement (so a sale is counted exactly once, whatever fails). Instances
// folding at once take disjoint rows (SKIP LOCKED). Returns how many rows were moved.
boost::asio::awaitable<std::size_t> fold_pending_sales(db::Pool& pool, std::int64_t batch);

// One fold step for a tasks::PeriodicTask: folds batches while they come back full (up to
// a bound). DbUnavailable passes through (the task backs off).
boost::asio::awaitable<void> fold_all_pending_sales(db::Pool& pool);

}  // namespace stats
