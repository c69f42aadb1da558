#include "coupons/coupons_routes.hpp"

#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "coupons/coupon_json.hpp"
#include "coupons/coupons_store.hpp"
#include "coupons/discount.hpp"
#include "coupons/issue_batcher.hpp"
#include "idempotency/idempotency_key.hpp"
#include "idempotency/idempotent_request.hpp"
#include "platform/db/errors.hpp"
#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"
#include "users/user_errors.hpp"

namespace coupons {

namespace {

using boost::asio::awaitable;
using http::ApiError;

constexpr std::int64_t kMaxTotalQuantity = 10'000'000;
constexpr std::int64_t kMaxValidDays = 3650;

boost::json::object to_json(const Coupon& coupon) {
  return coupon_json(coupon);
}

boost::json::object to_json(const UserCoupon& coupon) {
  boost::json::object out;
  out["userCouponId"] = coupon.id;
  out["couponId"] = coupon.coupon_id;
  out["userId"] = coupon.user_id;
  out["name"] = coupon.name;
  out["discountType"] = coupon.discount_type;
  out["discountValue"] = coupon.discount_value;
  out["status"] = coupon.status;
  out["issuedAt"] = coupon.issued_at;
  out["expiresAt"] = coupon.expires_at;
  return out;
}

ApiError coupon_not_found(std::int64_t id) {
  return ApiError::not_found("COUPON_NOT_FOUND", fmt::format("coupon {} does not exist", id));
}

// CHECK (issue_ends_at >= issue_starts_at) in 0001_schema.sql is unnamed; PostgreSQL names
// a table's unnamed multi-column checks coupons_check, coupons_check1, ... in order.
constexpr std::string_view kIssueWindowConstraint = "coupons_check1";

// A coupon the database refused by a CHECK: said by the constraint that refused it.
ApiError coupon_rule_broken(std::string_view constraint) {
  if (constraint == kIssueWindowConstraint) {
    return ApiError::invalid_request("the issue window ends before it starts");
  }
  return ApiError::invalid_request(
      fmt::format("the coupon breaks the rule '{}' of the coupons table", constraint));
}

// The admin coupon fields; every violation is INVALID_REQUEST, as the contract says.
Coupon coupon_from_request(const boost::json::object& body) {
  Coupon coupon;
  coupon.name = json_input::required_text(body, "name", 200);
  auto type = parse_discount_type(json_input::required_string(body, "discountType"));
  if (!type) throw ApiError::invalid_request("'discountType' must be FIXED or RATE");
  coupon.discount_type = to_string(*type);
  coupon.discount_value = json_input::required_int(body, "discountValue");
  if (!is_valid_discount(*type, coupon.discount_value)) {
    throw ApiError::invalid_request(*type == DiscountType::rate
                                        ? "a RATE 'discountValue' must be from 1 to 100"
                                        : "a FIXED 'discountValue' must be at least 1");
  }
  coupon.total_quantity = json_input::required_int(body, "totalQuantity");
  if (coupon.total_quantity < 1 || coupon.total_quantity > kMaxTotalQuantity) {
    throw ApiError::invalid_request(
        fmt::format("'totalQuantity' must be from 1 to {}", kMaxTotalQuantity));
  }
  coupon.valid_days = json_input::required_int(body, "validDays");
  if (coupon.valid_days < 1 || coupon.valid_days > kMaxValidDays) {
    throw ApiError::invalid_request(fmt::format("'validDays' must be from 1 to {}", kMaxValidDays));
  }
  coupon.issue_starts_at = json_input::required_timestamp(body, "issueStartsAt");
  coupon.issue_ends_at = json_input::required_timestamp(body, "issueEndsAt");
  return coupon;
}

http::Response issued_response(const IssueOutcome& outcome, std::int64_t user_id,
                               std::int64_t coupon_id) {
  using Kind = IssueOutcome::Kind;
  switch (outcome.kind) {
    case Kind::issued:
      break;
    case Kind::coupon_not_found:
      throw coupon_not_found(coupon_id);
    case Kind::user_not_found:
      throw users::user_not_found(user_id);
    case Kind::not_active:
      throw ApiError::conflict("COUPON_NOT_ACTIVE",
                               fmt::format("coupon {} is not being issued now", coupon_id));
    case Kind::already_issued:
      throw ApiError::conflict("COUPON_ALREADY_ISSUED",
                               fmt::format("user {} already holds coupon {}", user_id, coupon_id));
    case Kind::sold_out:
      throw ApiError::conflict("COUPON_SOLD_OUT",
                               fmt::format("coupon {} has none left", coupon_id));
  }
  return http::Response::json(201, boost::json::serialize(to_json(outcome.issued)));
}
}  // namespace

void add_routes(http::Router& router, const CouponsDeps& deps) {
  db::Pool& pool = deps.db;
  IssueBatcher& issues = deps.issues;
  // This router serves one event loop: the memo is that loop's.
  auto sold_out = std::make_shared<SoldOutMemo>(pool);

  router.add(
      http::Method::post, "/api/v1/coupons/issue", http::Access::user,
      [&pool, &issues, sold_out](http::Request& request) -> awaitable<http::Response> {
        auto body = json_input::parse_object_body(request);
        auto user_id = json_input::required_id(body, "userId");
        auto coupon_id = json_input::required_id(body, "couponId");
        auto render = [&](const IssueOutcome& outcome) {
          return issued_response(outcome, user_id, coupon_id);
        };
        if (auto key = idempotency::key_of(request)) {
          // A keyed issue keeps its own transaction: the key commits with the coupon.
          const idempotency::Work work = [&](db::Connection& tx) -> awaitable<http::Response> {
            const std::vector<IssueRequest> one{IssueRequest{user_id, coupon_id}};
            const auto outcomes = co_await issue_coupons(tx, one);
            co_return render(outcomes.front());
          };
          co_return co_await idempotency::run_once(
              pool, request, idempotency::owner_of(request.caller, user_id), *key, work);
        }
        co_return render(co_await issue_coupon(issues, pool, user_id, coupon_id, sold_out.get()));
      });

  router.add(http::Method::get, "/api/v1/coupons", http::Access::user,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto user_id = json_input::query_id(request, "userId");
               auto found = co_await user_coupons(pool, user_id);
               if (!found) {
                 throw users::user_not_found(user_id);
               }
               boost::json::array out;
               for (const auto& coupon : *found) out.push_back(to_json(coupon));
               co_return http::Response::json(200, boost::json::serialize(out));
             });

  router.add(http::Method::post, "/api/v1/admin/coupons", http::Access::admin,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto body = json_input::parse_object_body(request);
               auto coupon = coupon_from_request(body);
               try {
                 auto created = co_await create_coupon(pool, coupon);
                 co_return http::Response::json(201, boost::json::serialize(to_json(created)));
               } catch (const db::DbError& error) {
                 // PostgreSQL is the judge of dates (Feb 30) and of the window's order.
                 if (error.is_check_violation()) throw coupon_rule_broken(error.constraint());
                 if (error.sqlstate().starts_with("22")) {
                   throw ApiError::invalid_request("an issue window timestamp is not a valid date");
                 }
                 throw;
               }
             });

  router.add(http::Method::get, "/api/v1/admin/coupons/{id}", http::Access::admin,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto id = json_input::path_id(request, "id");
               auto coupon = co_await find_coupon(pool, id);
               if (!coupon) throw coupon_not_found(id);
               co_return http::Response::json(200, boost::json::serialize(to_json(*coupon)));
             });
}

}  // namespace coupons
