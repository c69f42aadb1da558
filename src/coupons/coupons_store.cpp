#include "coupons/coupons_store.hpp"

#include "platform/db/batched_write.hpp"
#include "platform/db/transaction.hpp"

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
  // In a transaction with its outcome token: a lost answer is settled before the answer.
  co_return co_await db::in_transaction(
      pool, [&](db::Connection& tx) -> boost::asio::awaitable<Coupon> {
        auto result = co_await tx.execute(
            kCreate, db::Params(coupon.name, coupon.discount_type, coupon.discount_value,
                                coupon.total_quantity, coupon.issue_starts_at, coupon.issue_ends_at,
                                coupon.valid_days));
        co_return coupon_from(result);
      });
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

const db::BatchStatements& IssueBatch::statements() {
  static const db::BatchStatements statements{"coupons.issue_batch",
                                              "issue_coupons_batch($1::bigint[], $2::bigint[])",
                                              2,
                                              {{"item_user_coupon_id", "bigint"},
                                               {"item_name", "text"},
                                               {"item_discount_type", "text"},
                                               {"item_discount_value", "bigint"},
                                               {"item_issued_at", "text"},
                                               {"item_expires_at", "text"},
                                               {"item_coupon_exists", "boolean"},
                                               {"item_user_exists", "boolean"},
                                               {"item_window_open", "boolean"},
                                               {"item_already_issued", "boolean"},
                                               {"item_remaining", "bigint"}}};
  return statements;
}

db::Params IssueBatch::params(const std::vector<IssueRequest>& requests) const {
  return db::Params(db::column_of(requests, &IssueRequest::user_id),
                    db::column_of(requests, &IssueRequest::coupon_id));
}

IssueOutcome IssueBatch::outcome(const db::Result& rows, int row,
                                 const IssueRequest& request) const {
  if (!rows.is_null(row, 0)) {
    return IssueOutcome{IssueOutcome::Kind::issued,
                        UserCoupon{rows.int64(row, 0), request.coupon_id, request.user_id,
                                   rows.string(row, 1), rows.string(row, 2), rows.int64(row, 3),
                                   "AVAILABLE", rows.string(row, 4), rows.string(row, 5)}};
  }
  std::optional<IssueDiagnosis> why;
  if (rows.boolean(row, 6)) {
    why = IssueDiagnosis{rows.boolean(row, 7), rows.boolean(row, 8), rows.boolean(row, 9),
                         rows.int64(row, 10)};
  }
  return IssueOutcome{why_not_issued(why), {}};
}

boost::asio::awaitable<std::vector<IssueOutcome>> issue_coupons(
    db::Pool& pool, const std::vector<IssueRequest>& requests) {
  co_return co_await db::write_batch(IssueBatch{}, pool, requests);
}

boost::asio::awaitable<std::vector<IssueOutcome>> issue_coupons(
    db::Connection& connection, const std::vector<IssueRequest>& requests) {
  co_return co_await db::write_batch_in(IssueBatch{}, connection, requests);
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
