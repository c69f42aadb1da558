#include "stats/daily_stats_store.hpp"

namespace stats {

namespace {

// Paid orders and revenue: a day that ended more than 10 minutes ago comes from
// daily_order_totals (migration 0018), or, the first time it is asked for, from the partial
// index orders_paid_by_time, which covers pay_amount (an index-only range scan), and is then
// stored there; a day not over yet is always read from the index. `day::timestamptz` is that
// day's midnight in the session's time zone (SERVICE_TIME_ZONE), and `paid_at::date` that
// zone's day. Units come from the statistics tables by their date-leading keys, as the
// best-seller ranking reads them. The stored days are not visible to this same statement,
// so `kept` and `computed` are disjoint and both are answered.
const db::Statement kDailySales{
    "stats.daily_sales",
    "WITH days AS ("
    "  SELECT d::date AS day, (d::date + 1)::timestamptz <= now() - interval '10 minutes' AS over"
    "  FROM generate_series($1::date, $2::date, interval '1 day') AS d), "
    "kept AS ("
    "  SELECT t.sales_date AS day, t.paid_orders AS orders, t.revenue FROM daily_order_totals t"
    "  WHERE t.time_zone = current_setting('TimeZone')"
    "    AND t.sales_date BETWEEN $1::date AND $2::date), "
    "computed AS ("
    "  SELECT d.day, d.over, p.orders, p.revenue FROM days d"
    "  CROSS JOIN LATERAL (SELECT count(*) AS orders, coalesce(sum(pay_amount), 0)::bigint AS "
    "revenue"
    "                      FROM orders WHERE paid_at >= d.day::timestamptz"
    "                      AND paid_at < (d.day + 1)::timestamptz) p"
    "  WHERE NOT EXISTS (SELECT 1 FROM kept WHERE kept.day = d.day)), "
    "stored AS ("
    "  INSERT INTO daily_order_totals (time_zone, sales_date, paid_orders, revenue)"
    "  SELECT current_setting('TimeZone'), day, orders, revenue FROM computed WHERE over"
    "  ON CONFLICT DO NOTHING), "
    "paid AS (SELECT day, orders, revenue FROM kept"
    "         UNION ALL SELECT day, orders, revenue FROM computed), "
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
