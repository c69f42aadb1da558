#include "points/points_routes.hpp"

#include <memory>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "idempotency/idempotency_key.hpp"
#include "idempotency/idempotent_request.hpp"
#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"
#include "platform/json/output.hpp"
#include "points/balance_lookup.hpp"
#include "points/charge_batcher.hpp"
#include "points/point_policy.hpp"
#include "points/points_store.hpp"
#include "users/user_errors.hpp"

namespace points {

namespace {

using boost::asio::awaitable;
using http::ApiError;

http::Response balance_response(std::int64_t user_id, std::int64_t balance) {
  boost::json::object out;
  out["userId"] = user_id;
  out["balance"] = balance;
  return http::Response::json(200, boost::json::serialize(out));
}

http::Response charge_response(const ChargeOutcome& outcome, std::int64_t user_id,
                               std::int64_t amount, std::int64_t max_balance) {
  switch (outcome.kind) {
    case ChargeOutcome::Kind::user_not_found:
      throw users::user_not_found(user_id);
    case ChargeOutcome::Kind::limit_exceeded:
      throw ApiError::conflict("BALANCE_LIMIT_EXCEEDED",
                               fmt::format("balance {} + {} would exceed the maximum of {} won",
                                           outcome.balance, amount, max_balance));
    case ChargeOutcome::Kind::charged:
      break;
  }
  return balance_response(user_id, outcome.balance);
}

}  // namespace

void add_routes(http::Router& router, const PointsDeps& deps) {
  db::Pool& pool = deps.db;
  const PointPolicy policy{deps.max_charge, deps.max_balance};
  // Unkeyed charges are settled in batches with those of the instance's other loops.
  ChargeBatcher& batcher = deps.charges;
  // This router serves one event loop: the lookup batches that loop's balance reads.
  auto balances = std::make_shared<BalanceLookup>(pool);

  router.add(
      http::Method::post, "/api/v1/points/charge", http::Access::user,
      [&pool, policy, &batcher](http::Request& request) -> awaitable<http::Response> {
        auto body = json_input::parse_object_body(request);
        auto user_id = json_input::required_id(body, "userId");
        auto amount = json_input::required_int(body, "amount");
        if (!is_valid_charge_amount(policy, amount)) {
          throw ApiError::invalid_amount(
              fmt::format("a charge must be from 1 to {} won, got {}", policy.max_charge, amount));
        }
        auto render = [&](const ChargeOutcome& outcome) {
          return charge_response(outcome, user_id, amount, policy.max_balance);
        };
        if (auto key = idempotency::key_of(request)) {
          const idempotency::Work work = [&](db::Connection& tx) -> awaitable<http::Response> {
            co_return render(co_await charge(tx, user_id, amount, policy.max_balance));
          };
          co_return co_await idempotency::run_once(
              pool, request, idempotency::owner_of(request.caller, user_id), *key, work);
        }
        // A keyed charge keeps its own transaction (the key and the charge commit together).
        co_return render(co_await batcher.charge(pool, user_id, amount));
      });

  router.add(http::Method::get, "/api/v1/points", http::Access::user,
             [balances](http::Request& request) -> awaitable<http::Response> {
               auto user_id = json_input::query_id(request, "userId");
               auto current = co_await balances->balance(user_id);
               if (!current) throw users::user_not_found(user_id);
               co_return balance_response(user_id, *current);
             });

  router.add(http::Method::get, "/api/v1/points/history", http::Access::user,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto user_id = json_input::query_id(request, "userId");
               auto page = json_input::query_page(request);
               auto found = co_await history(pool, user_id, page.size, page.offset());
               if (!found) throw users::user_not_found(user_id);
               boost::json::array content;
               for (const auto& entry : found->entries) {
                 boost::json::object item;
                 item["type"] = entry.type;
                 item["amount"] = entry.amount;
                 item["balanceAfter"] = entry.balance_after;
                 item["orderId"] = json_output::or_null(entry.order_id);
                 item["createdAt"] = entry.created_at;
                 content.push_back(std::move(item));
               }
               boost::json::object out;
               out["content"] = std::move(content);
               out["page"] = page.page;
               out["size"] = page.size;
               out["totalElements"] = found->total;
               co_return http::Response::json(200, boost::json::serialize(out));
             });
}

}  // namespace points
