#include "stats/sales_folder.hpp"

namespace stats {

namespace {

// Statistics rows are upserted in (day, product) order, so folders in several instances
// cannot deadlock on them. The rows to move are picked as an array (`= ANY (ARRAY(...))`,
// index lookups), not `IN (subquery)`: the table is a queue that autovacuum always sees
// nearly empty, so the generic plan of `IN` was a nested-loop semi join over every pending
// row, quadratic once payments outran the folder (1.4 s per fold at 64 connections).
const db::Statement kFold{
    "stats.fold_pending_sales",
    "WITH moved AS ("
    "  DELETE FROM sales_pending WHERE id = ANY (ARRAY("
    "    SELECT id FROM sales_pending ORDER BY id LIMIT $1::bigint FOR UPDATE SKIP LOCKED))"
    "  RETURNING sales_date, product_id, quantity), "
    "summed AS (SELECT sales_date, product_id, sum(quantity) AS quantity FROM moved"
    "           GROUP BY sales_date, product_id), "
    "folded AS ("
    "  INSERT INTO daily_product_sales (sales_date, product_id, quantity)"
    "  SELECT sales_date, product_id, quantity FROM summed ORDER BY sales_date, product_id "
    "  ON CONFLICT (sales_date, product_id)"
    "  DO UPDATE SET quantity = daily_product_sales.quantity + excluded.quantity) "
    "SELECT count(*) FROM moved"};

constexpr std::int64_t kBatch = 5000;
constexpr int kMaxBatchesPerStep = 20;

}  // namespace

boost::asio::awaitable<std::size_t> fold_pending_sales(db::Pool& pool, std::int64_t batch) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kFold, db::Params(batch));
  co_return static_cast<std::size_t>(result.int64(0, 0));
}

boost::asio::awaitable<void> fold_all_pending_sales(db::Pool& pool) {
  for (int round = 0; round < kMaxBatchesPerStep; ++round) {
    const std::size_t moved = co_await fold_pending_sales(pool, kBatch);
    if (moved < static_cast<std::size_t>(kBatch)) break;
  }
}

}  // namespace stats
