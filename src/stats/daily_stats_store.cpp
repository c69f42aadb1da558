#include "stats/daily_stats_store.hpp"

namespace stats {

namespace {

// Paid orders come from the partial index orders_paid_by_time (migration 0018), which
// covers pay_amount: an index-only range scan over the range's paid orders. `$1::date`
// compared with a timestamptz is that day's midnight in the session's time zone, and
// `paid_at::date` that zone's day. Units come from the statistics tables by their
// date-leading keys, as the best-seller ranking reads them.
const db::Statement kDailySales{
    "stats.daily_sales",
    "WITH paid AS ("
    "  SELECT paid_at::date AS day, count(*) AS orders, sum(pay_amount)::bigint AS revenue"
    "  FROM orders WHERE paid_at >= $1::date AND paid_at < $2::date + 1"
    "  GROUP BY 1), "
    "units AS ("
    "  SELECT sales_date AS day, sum(quantity)::bigint AS units FROM ("
    "    SELECT sales_date, quantity FROM daily_product_sales"
    "    WHERE sales_date BETWEEN $1::date AND $2::date"
    "    UNION ALL SELECT sales_date, quantity FROM sales_pending"
    "    WHERE sales_date BETWEEN $1::date AND $2::date) s"
    "  GROUP BY 1) "
    "SELECT to_char(coalesce(paid.day, units.day), 'YYYY-MM-DD'), coalesce(paid.orders, 0),"
    "       coalesce(units.units, 0), coalesce(paid.revenue, 0) "
    "FROM paid FULL JOIN units ON units.day = paid.day"};

}  // namespace

boost::asio::awaitable<std::vector<DailySales>> daily_sales(db::Pool& pool, const DayRange& range) {
  auto connection = co_await pool.acquire();
  auto r = co_await connection->execute(
      kDailySales, db::Params(format_day(range.first), format_day(range.last)));
  std::vector<DailySales> found;
  found.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    found.push_back({r.string(row, 0), r.int64(row, 1), r.int64(row, 2), r.int64(row, 3)});
  }
  co_return found;
}

}  // namespace stats
