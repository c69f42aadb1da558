#include "coupons/coupon_lists.hpp"

namespace coupons {

namespace {

// The page by the primary key, newest first; the count rides along so an empty page still
// answers one row.
const db::Statement kList{
    "coupons.list",
    "WITH t AS (SELECT count(*) AS total FROM coupons), "
    "p AS (SELECT * FROM coupons ORDER BY id DESC LIMIT $1::bigint OFFSET $2::bigint) "
    "SELECT t.total, p.id, p.name, p.discount_type, p.discount_value, p.total_quantity,"
    "       p.remaining_quantity, api_timestamp(p.issue_starts_at),"
    "       api_timestamp(p.issue_ends_at), p.valid_days, api_timestamp(p.created_at) "
    "FROM t LEFT JOIN p ON true ORDER BY p.id DESC"};

}  // namespace

boost::asio::awaitable<CouponPage> list_coupons(db::Pool& pool, std::int64_t limit,
                                                std::int64_t offset) {
  auto connection = co_await pool.acquire();
  auto r = co_await connection->execute(kList, db::Params(limit, offset));
  CouponPage page;
  if (r.empty()) co_return page;
  page.total = r.int64(0, 0);
  for (int row = 0; row < r.rows(); ++row) {
    if (r.is_null(row, 1)) continue;  // no coupon on this page: only the count's row
    page.coupons.push_back(Coupon{
        r.int64(row, 1), r.string(row, 2), r.string(row, 3), r.int64(row, 4), r.int64(row, 5),
        r.int64(row, 6), r.string(row, 7), r.string(row, 8), r.int64(row, 9), r.string(row, 10)});
  }
  co_return page;
}

}  // namespace coupons
