#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coupons/sold_out_gate.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"

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
boost::asio::awaitable<std::optional<IssueDiagnosis>> diagnose_issue(db::Connection& connection,
                                                                     std::int64_t user_id,
                                                                     std::int64_t coupon_id);

// First come, first served: one conditional UPDATE takes a coupon from the stock only if
// one is left, the window is open and the user exists and holds none; the UNIQUE
// (user_id, coupon_id) constraint settles a user racing themselves.
// `gate` (optional) remembers sold-out coupons to spare their row the UPDATE attempts.
boost::asio::awaitable<IssueOutcome> issue_coupon(db::Pool& pool, std::int64_t user_id,
                                                  std::int64_t coupon_id,
                                                  SoldOutGate* gate = nullptr);

// Newest first; nullopt for an unknown user.
boost::asio::awaitable<std::optional<std::vector<UserCoupon>>> user_coupons(db::Pool& pool,
                                                                            std::int64_t user_id);

}  // namespace coupons
