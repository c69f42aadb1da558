#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coupons/sold_out_memo.hpp"
#include "platform/db/batch_statements.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/result.hpp"
#include "platform/db/write_batch_metrics.hpp"

namespace coupons {

struct Coupon {
  std::int64_t id = 0;
  std::string name;
  std::string discount_type;
  std::int64_t discount_value = 0;
  std::int64_t total_quantity = 0;
  std::int64_t remaining_quantity = 0;
  std::string issue_starts_at;
  std::string issue_ends_at;
  std::int64_t valid_days = 0;
  std::string created_at;
};

struct UserCoupon {
  std::int64_t id = 0;
  std::int64_t coupon_id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::string discount_type;
  std::int64_t discount_value = 0;
  std::string status;  // AVAILABLE, USED or EXPIRED
  std::string issued_at;
  std::string expires_at;
};

boost::asio::awaitable<Coupon> create_coupon(db::Pool& pool, const Coupon& coupon);
boost::asio::awaitable<std::optional<Coupon>> find_coupon(db::Pool& pool, std::int64_t id);

struct IssueOutcome {
  enum class Kind {
    issued,
    coupon_not_found,
    user_not_found,
    not_active,
    already_issued,
    sold_out
  } kind;
  UserCoupon issued;
};

// Why an issue request got no coupon: what the database says of the user, the coupon and
// the window (nullopt diagnosis: no such coupon). Precedence: COUPON_NOT_FOUND,
// USER_NOT_FOUND, NOT_ACTIVE, ALREADY_ISSUED, SOLD_OUT.
IssueOutcome::Kind why_not_issued(const std::optional<IssueDiagnosis>& why);

struct IssueRequest {
  std::int64_t user_id = 0;
  std::int64_t coupon_id = 0;
};

// First come, first served, for many requests in one statement and one commit (the function
// issue_coupons_batch, migration 0016), each answered as if alone, in the given order: a
// conditional UPDATE takes a coupon only if one is left, the window is open and the user
// exists and holds none. The batch locks its coupons' rows first, so batches of other
// instances take turns on a coupon and "exactly N, one per user" holds across instances.
// Settled by db::BatchedWrite.
struct IssueBatch {
  using Request = IssueRequest;
  using Outcome = IssueOutcome;
  static constexpr db::WriteKind kind = db::WriteKind::coupon_issue;
  static const db::BatchStatements& statements();
  db::Params params(const std::vector<IssueRequest>& requests) const;
  IssueOutcome outcome(const db::Result& rows, int row, const IssueRequest& request) const;
};

boost::asio::awaitable<std::vector<IssueOutcome>> issue_coupons(
    db::Pool& pool, const std::vector<IssueRequest>& requests);
// The same on a connection the caller holds, e.g. inside the transaction that also records an
// Idempotency-Key (a keyed issue keeps its own transaction: the key commits with the coupon).
boost::asio::awaitable<std::vector<IssueOutcome>> issue_coupons(
    db::Connection& connection, const std::vector<IssueRequest>& requests);

// Newest first; nullopt for an unknown user.
boost::asio::awaitable<std::optional<std::vector<UserCoupon>>> user_coupons(db::Pool& pool,
                                                                            std::int64_t user_id);

}  // namespace coupons
