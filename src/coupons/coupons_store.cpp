#include "coupons/coupons_store.hpp"

#include <stdexcept>

#include "users/users_store.hpp"

namespace coupons {

namespace {

constexpr const char* kCouponColumns =
    "id, name, discount_type, discount_value, total_quantity, remaining_quantity, "
    "api_timestamp(issue_starts_at), api_timestamp(issue_ends_at), valid_days, "
    "api_timestamp(created_at)";

const std::string kCreateSql =
    std::string(
        "INSERT INTO coupons (name, discount_type, discount_value, total_quantity, "
        "remaining_quantity, issue_starts_at, issue_ends_at, valid_days) "
        "VALUES ($1::text, $2::text, $3::bigint, $4::bigint, $4::bigint, $5::timestamptz, "
        "$6::timestamptz, $7::integer) RETURNING ") +
    kCouponColumns;
const db::Statement kCreate{"coupons.create", kCreateSql.c_str()};

const std::string kFindSql =
    std::string("SELECT ") + kCouponColumns + " FROM coupons WHERE id = $1::bigint";
const db::Statement kFind{"coupons.find", kFindSql.c_str()};

// Many issue requests, one statement and one commit (migration 0016): one row per request,
// in order.
const db::Statement kIssueBatch{
    "coupons.issue_batch",
    "SELECT item_user_coupon_id, item_name, item_discount_type, item_discount_value,"
    "       item_issued_at, item_expires_at, item_coupon_exists, item_user_exists,"
    "       item_window_open, item_already_issued, item_remaining "
    "FROM issue_coupons_batch($1::bigint[], $2::bigint[])"};

const db::Statement kUserCoupons{
    "coupons.of_user",
    "SELECT uc.id, uc.coupon_id, c.name, c.discount_type, c.discount_value,"
    "       CASE WHEN uc.status = 'USED' THEN 'USED'"
    "            WHEN uc.expires_at <= now() THEN 'EXPIRED' ELSE 'AVAILABLE' END,"
    "       api_timestamp(uc.issued_at), api_timestamp(uc.expires_at) "
    "FROM user_coupons uc JOIN coupons c ON c.id = uc.coupon_id "
    "WHERE uc.user_id = $1::bigint ORDER BY uc.id DESC"};

Coupon coupon_from(const db::Result& r) {
  return Coupon{r.int64(0, 0), r.string(0, 1), r.string(0, 2), r.int64(0, 3), r.int64(0, 4),
                r.int64(0, 5), r.string(0, 6), r.string(0, 7), r.int64(0, 8), r.string(0, 9)};
}

}  // namespace

boost::asio::awaitable<Coupon> create_coupon(db::Pool& pool, const Coupon& coupon) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(
      kCreate,
      db::Params(coupon.name, coupon.discount_type, coupon.discount_value, coupon.total_quantity,
                 coupon.issue_starts_at, coupon.issue_ends_at, coupon.valid_days));
  co_return coupon_from(result);
}

boost::asio::awaitable<std::optional<Coupon>> find_coupon(db::Pool& pool, std::int64_t id) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kFind, db::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return coupon_from(result);
}

IssueOutcome::Kind why_not_issued(const std::optional<IssueDiagnosis>& why) {
  using Kind = IssueOutcome::Kind;
  if (!why) return Kind::coupon_not_found;
  if (!why->user_exists) return Kind::user_not_found;
  if (!why->window_open) return Kind::not_active;
  if (why->already_issued) return Kind::already_issued;
  // The UPDATE saw no coupon left, or (with some left now) the window not open yet: its
  // now() came a moment before this diagnosis, right at the window's start.
  return why->remaining > 0 ? Kind::not_active : Kind::sold_out;
}

boost::asio::awaitable<std::vector<IssueOutcome>> issue_coupons(
    db::Pool& pool, const std::vector<IssueRequest>& requests) {
  auto connection = co_await pool.acquire();
  co_return co_await issue_coupons(*connection, requests);
}

boost::asio::awaitable<std::vector<IssueOutcome>> issue_coupons(
    db::Connection& connection, const std::vector<IssueRequest>& requests) {
  std::vector<std::int64_t> users, coupons;
  users.reserve(requests.size());
  coupons.reserve(requests.size());
  for (const auto& request : requests) {
    users.push_back(request.user_id);
    coupons.push_back(request.coupon_id);
  }
  auto result = co_await connection.execute(kIssueBatch, db::Params(users, coupons));
  if (result.rows() != static_cast<int>(requests.size())) {
    throw std::runtime_error("issue_coupons_batch answered " + std::to_string(result.rows()) +
                             " rows for " + std::to_string(requests.size()) + " requests");
  }
  std::vector<IssueOutcome> outcomes;
  outcomes.reserve(requests.size());
  for (int row = 0; row < result.rows(); ++row) {
    const auto& request = requests[static_cast<std::size_t>(row)];
    if (!result.is_null(row, 0)) {
      outcomes.push_back(IssueOutcome{
          IssueOutcome::Kind::issued,
          UserCoupon{result.int64(row, 0), request.coupon_id, request.user_id,
                     result.string(row, 1), result.string(row, 2), result.int64(row, 3),
                     "AVAILABLE", result.string(row, 4), result.string(row, 5)}});
      continue;
    }
    std::optional<IssueDiagnosis> why;
    if (result.boolean(row, 6)) {
      why = IssueDiagnosis{result.boolean(row, 7), result.boolean(row, 8), result.boolean(row, 9),
                           result.int64(row, 10)};
    }
    outcomes.push_back(IssueOutcome{why_not_issued(why), {}});
  }
  co_return outcomes;
}

boost::asio::awaitable<std::optional<std::vector<UserCoupon>>> user_coupons(db::Pool& pool,
                                                                            std::int64_t user_id) {
  auto connection = co_await pool.acquire();
  auto result = co_await connection->execute(kUserCoupons, db::Params(user_id));
  if (result.empty()) {
    if (!co_await users::user_exists(*connection, user_id)) co_return std::nullopt;
  }
  std::vector<UserCoupon> coupons;
  for (int row = 0; row < result.rows(); ++row) {
    coupons.push_back(UserCoupon{result.int64(row, 0), result.int64(row, 1), user_id,
                                 result.string(row, 2), result.string(row, 3), result.int64(row, 4),
                                 result.string(row, 5), result.string(row, 6),
                                 result.string(row, 7)});
  }
  co_return coupons;
}

}  // namespace coupons
