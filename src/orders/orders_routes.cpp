#include "orders/orders_routes.hpp"

#include <memory>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "idempotency/idempotency_key.hpp"
#include "idempotency/idempotent_request.hpp"
#include "orders/order_batcher.hpp"
#include "orders/order_errors.hpp"
#include "orders/order_json.hpp"
#include "orders/order_rules.hpp"
#include "orders/orders_store.hpp"
#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"
#include "users/user_errors.hpp"

namespace orders {

namespace {

using boost::asio::awaitable;
using http::ApiError;

std::string to_json(const Order& order) {
  return boost::json::serialize(order_json(order));
}

// The request's lines: 1..50 objects, positive product ids, quantities >= 1; merged per
// product with a merged quantity of at most 1000.
std::vector<OrderLine> lines_from_request(const boost::json::object& body) {
  const auto& items = json_input::required_array(body, "items");
  if (items.empty() || items.size() > kMaxLines) {
    throw ApiError::invalid_request(fmt::format("'items' must hold 1 to {} lines", kMaxLines));
  }
  std::vector<OrderLine> lines;
  lines.reserve(items.size());
  for (const auto& item : items) {
    if (!item.is_object()) throw ApiError::invalid_request("each item must be an object");
    const auto& line = item.get_object();
    auto product_id = json_input::required_id(line, "productId");
    auto quantity = json_input::required_int(line, "quantity");
    if (quantity < 1 || quantity > kMaxLineQuantity) {
      throw ApiError::invalid_amount(
          fmt::format("quantity must be from 1 to {}, got {}", kMaxLineQuantity, quantity));
    }
    lines.push_back({product_id, quantity});
  }
  auto merged = merge_lines(lines);
  if (merged.over_limit_id) {
    throw ApiError::invalid_amount(fmt::format("product {} is ordered more than {} times",
                                               *merged.over_limit_id, kMaxLineQuantity));
  }
  return std::move(merged.lines);
}

http::Response placed_response(const PlaceOutcome& outcome, std::int64_t user_id,
                               std::optional<std::int64_t> coupon) {
  using Kind = PlaceOutcome::Kind;
  switch (outcome.kind) {
    case Kind::placed:
      break;
    case Kind::user_not_found:
      throw users::user_not_found(user_id);
    case Kind::product_not_found:
      throw ApiError::not_found("PRODUCT_NOT_FOUND",
                                fmt::format("product {} does not exist", outcome.product_id));
    case Kind::out_of_stock:
      throw ApiError::conflict(
          "OUT_OF_STOCK", fmt::format("product {} has {} left, {} requested", outcome.product_id,
                                      outcome.available, outcome.requested));
    case Kind::coupon_not_usable:
      throw ApiError::conflict("COUPON_NOT_USABLE",
                               fmt::format("coupon {} is not an available coupon of user {}",
                                           coupon.value_or(0), user_id));
  }
  return http::Response::json(201, to_json(outcome.order));
}

http::Response cancelled_response(const CancelOutcome& outcome, std::int64_t order_id,
                                  std::int64_t user_id) {
  switch (outcome.kind) {
    case CancelOutcome::Kind::user_not_found:
      throw users::user_not_found(user_id);
    case CancelOutcome::Kind::not_found:
      throw order_not_found(order_id);
    case CancelOutcome::Kind::not_payable:
      throw order_not_payable(order_id);
    case CancelOutcome::Kind::cancelled:
      break;
  }
  return http::Response::json(200, to_json(outcome.order));
}
}  // namespace

void add_routes(http::Router& router, const OrdersDeps& deps) {
  db::Pool& pool = deps.db;
  const std::int64_t timeout_seconds = deps.payment_timeout_seconds;
  // One-product orders are placed in batches with those of the instance's other loops.
  OrderBatcher& batcher = deps.orders;

  router.add(
      http::Method::post, "/api/v1/orders", http::Access::user,
      [&pool, timeout_seconds, &batcher](http::Request& request) -> awaitable<http::Response> {
        auto body = json_input::parse_object_body(request);
        auto user_id = json_input::required_id(body, "userId");
        auto lines = lines_from_request(body);
        auto coupon = json_input::optional_id(body, "userCouponId");
        auto render = [&](const PlaceOutcome& outcome) {
          return placed_response(outcome, user_id, coupon);
        };
        if (auto key = idempotency::key_of(request)) {
          const idempotency::Work work = [&](db::Connection& tx) -> awaitable<http::Response> {
            co_return render(co_await place_order(tx, user_id, lines, coupon, timeout_seconds));
          };
          co_return co_await idempotency::run_once(
              pool, request, idempotency::owner_of(request.caller, user_id), *key, work);
        }
        co_return render(co_await batcher.place(pool, user_id, lines, coupon));
      });

  router.add(http::Method::get, "/api/v1/orders/{id}", http::Access::user,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto order_id = json_input::path_id(request, "id");
               auto user_id = json_input::query_id(request, "userId");
               auto found = co_await find_order(pool, order_id, user_id);
               switch (found.kind) {
                 case FindOutcome::Kind::user_not_found:
                   throw users::user_not_found(user_id);
                 case FindOutcome::Kind::not_found:
                   throw order_not_found(order_id);
                 case FindOutcome::Kind::found:
                   break;
               }
               co_return http::Response::json(200, to_json(found.order));
             });

  router.add(
      http::Method::post, "/api/v1/orders/{id}/cancel", http::Access::user,
      [&pool](http::Request& request) -> awaitable<http::Response> {
        auto order_id = json_input::path_id(request, "id");
        auto body = json_input::parse_object_body(request);
        auto user_id = json_input::required_id(body, "userId");
        auto render = [&](const CancelOutcome& outcome) {
          return cancelled_response(outcome, order_id, user_id);
        };
        if (auto key = idempotency::key_of(request)) {
          const idempotency::Work work = [&](db::Connection& tx) -> awaitable<http::Response> {
            co_return render(co_await cancel_order(tx, order_id, user_id));
          };
          co_return co_await idempotency::run_once(
              pool, request, idempotency::owner_of(request.caller, user_id), *key, work);
        }
        co_return render(co_await cancel_order(pool, order_id, user_id));
      });
}

}  // namespace orders
