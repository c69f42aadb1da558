#include "stats/sales_folder.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"

namespace stats {

namespace {

// Statistics rows are upserted in (day, product) order, so folders in several instances
// cannot deadlock on them.
const db::Statement kFold{
    "stats.fold_pending_sales",
    "WITH moved AS ("
    "  DELETE FROM sales_pending WHERE id IN ("
    "    SELECT id FROM sales_pending ORDER BY id LIMIT $1::bigint FOR UPDATE SKIP LOCKED)"
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

}  // namespace

boost::asio::awaitable<std::size_t> fold_pending_sales(db::Pool& pool, std::int64_t batch) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kFold, db::Params(batch));
  co_return static_cast<std::size_t>(result.int64(0, 0));
}

boost::asio::awaitable<void> run_sales_folder(db::Pool& pool, const std::atomic<bool>& stopping,
                                              std::chrono::milliseconds period) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (!stopping.load()) {
    try {
      std::size_t moved = 0;
      do {
        moved = co_await fold_pending_sales(pool, kBatch);
      } while (moved == static_cast<std::size_t>(kBatch) && !stopping.load());
    } catch (const db::DbUnavailable&) {
      // Down or not migrated yet: the next round tries again.
    } catch (const std::exception& error) {
      spdlog::error("msg=\"folding sales statistics failed\" error=\"{}\"", error.what());
    }
    timer.expires_after(period);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

}  // namespace stats
