#include "stats/best_sellers_store.hpp"

namespace stats {

namespace {

// current_date is the session's date, and sessions run in SERVICE_TIME_ZONE: the sales
// days are that zone's days, as payments recorded them. The folded statistics and the
// sales not folded yet (sales_pending) are summed together, so the ranking is exact; both
// are read by their date-leading indexes, only for the window's days.
const db::Statement kBestSellers{
    "stats.best_sellers",
    "WITH last AS (SELECT coalesce($1::date, current_date) AS day), "
    "sales AS ("
    "  SELECT sales_date, product_id, quantity FROM daily_product_sales"
    "  UNION ALL SELECT sales_date, product_id, quantity FROM sales_pending), "
    "top AS ("
    "  SELECT s.product_id, sum(s.quantity) AS sold FROM sales s, last"
    "  WHERE s.sales_date BETWEEN last.day - 2 AND last.day"
    "  GROUP BY s.product_id HAVING sum(s.quantity) > 0"
    "  ORDER BY sold DESC, s.product_id LIMIT 5) "
    "SELECT p.id, p.name, p.price, p.stock, top.sold FROM top JOIN products p ON p.id = "
    "top.product_id "
    "ORDER BY top.sold DESC, p.id"};

static_assert(kBestSellersLimit == 5 && kWindowDays == 3, "kBestSellers spells these out");

}  // namespace

boost::asio::awaitable<std::vector<BestSeller>> best_sellers(db::Pool& pool,
                                                             std::optional<std::string> last_day) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kBestSellers, db::Params(last_day));
  std::vector<BestSeller> ranking;
  for (int row = 0; row < result.rows(); ++row) {
    ranking.push_back({result.int64(row, 0), result.string(row, 1), result.int64(row, 2),
                       result.int64(row, 3), result.int64(row, 4)});
  }
  co_return ranking;
}

}  // namespace stats
