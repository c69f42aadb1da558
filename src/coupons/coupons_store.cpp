#include "coupons/coupons_store.hpp"

#include <stdexcept>

#include "platform/db/errors.hpp"
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

const db::Statement kIssue{
    "coupons.issue",
    "WITH c AS ("
    "  UPDATE coupons SET remaining_quantity = remaining_quantity - 1"
    "  WHERE id = $2::bigint AND remaining_quantity > 0"
    "    AND now() BETWEEN issue_starts_at AND issue_ends_at"
    "    AND EXISTS (SELECT 1 FROM users WHERE id = $1::bigint)"
    "    AND NOT EXISTS (SELECT 1 FROM user_coupons"
    "                    WHERE user_id = $1::bigint AND coupon_id = $2::bigint)"
    "  RETURNING id, name, discount_type, discount_value, valid_days), "
    "uc AS ("
    "  INSERT INTO user_coupons (user_id, coupon_id, issued_at, expires_at)"
    "  SELECT $1::bigint, id, now(), now() + valid_days * interval '24 hours' FROM c"
    "  RETURNING id, coupon_id, issued_at, expires_at) "
    "SELECT uc.id, c.name, c.discount_type, c.discount_value, api_timestamp(uc.issued_at), "
    "       api_timestamp(uc.expires_at) "
    "FROM uc JOIN c ON c.id = uc.coupon_id"};

// Why an issue did not happen, in the contract's order of precedence.
const db::Statement kDiagnoseIssue{
    "coupons.diagnose_issue",
    "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1::bigint),"
    "       now() BETWEEN issue_starts_at AND issue_ends_at,"
    "       EXISTS (SELECT 1 FROM user_coupons WHERE user_id = $1::bigint AND coupon_id = c.id),"
    "       remaining_quantity "
    "FROM coupons c WHERE id = $2::bigint"};

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

boost::asio::awaitable<std::optional<IssueDiagnosis>> diagnose_issue(db::Connection& connection,
                                                                     std::int64_t user_id,
                                                                     std::int64_t coupon_id) {
  auto why = co_await connection.execute(kDiagnoseIssue, db::Params(user_id, coupon_id));
  if (why.empty()) co_return std::nullopt;
  co_return IssueDiagnosis{why.boolean(0, 0), why.boolean(0, 1), why.boolean(0, 2),
                           why.int64(0, 3)};
}

boost::asio::awaitable<IssueOutcome> issue_coupon(db::Pool& pool, std::int64_t user_id,
                                                  std::int64_t coupon_id, SoldOutGate* gate) {
  if (gate && gate->known_sold_out(coupon_id)) {
    // No UPDATE on the coupon's row: the answer is decided by a read (shared with
    // concurrent requests), so the holders and unknown users still get their own codes.
    // Awaited on its own line: g++ 12 mis-destroys temporaries (here the UserCoupon) that
    // share a full-expression with a co_await.
    const auto why = co_await gate->diagnose(user_id, coupon_id);
    co_return IssueOutcome{why_not_issued(why), {}};
  }
  auto connection = co_await pool.acquire();
  try {
    auto issued = co_await connection->execute(kIssue, db::Params(user_id, coupon_id));
    if (!issued.empty()) {
      co_return IssueOutcome{IssueOutcome::Kind::issued,
                             UserCoupon{issued.int64(0, 0), coupon_id, user_id, issued.string(0, 1),
                                        issued.string(0, 2), issued.int64(0, 3), "AVAILABLE",
                                        issued.string(0, 4), issued.string(0, 5)}};
    }
  } catch (const db::DbError& error) {
    // The same user won a concurrent request between our check and our insert.
    if (!error.is_unique_violation()) throw;
    co_return IssueOutcome{IssueOutcome::Kind::already_issued, {}};
  }
  const auto why = co_await diagnose_issue(*connection, user_id, coupon_id);
  const auto kind = why_not_issued(why);
  if (gate && kind == IssueOutcome::Kind::sold_out) gate->mark_sold_out(coupon_id);
  co_return IssueOutcome{kind, {}};
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
