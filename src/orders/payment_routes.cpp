#include "orders/payment_routes.hpp"

#include <memory>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include "events/outbox_wakeup.hpp"
#include "idempotency/idempotency_key.hpp"
#include "idempotency/idempotent_request.hpp"
#include "orders/order_errors.hpp"
#include "orders/payment_batcher.hpp"
#include "orders/payment_store.hpp"
#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"
#include "users/user_errors.hpp"

namespace orders {

namespace {

using boost::asio::awaitable;

http::Response paid_response(const PayOutcome& outcome, std::int64_t user_id,
                             std::int64_t order_id) {
  using Kind = PayOutcome::Kind;
  switch (outcome.kind) {
    case Kind::paid:
      break;
    case Kind::user_not_found:
      throw users::user_not_found(user_id);
    case Kind::order_not_found:
      throw order_not_found(order_id);
    case Kind::not_payable:
      throw order_not_payable(order_id);
    case Kind::insufficient_balance:
      throw http::ApiError::conflict(
          "INSUFFICIENT_BALANCE",
          fmt::format("balance {} is less than {}; order {} is now EXPIRED",
                      outcome.shortfall_balance, outcome.paid_amount, order_id));
  }
  boost::json::object out;
  out["orderId"] = order_id;
  out["status"] = "PAID";
  out["paidAmount"] = outcome.paid_amount;
  out["balance"] = outcome.balance;
  out["paidAt"] = outcome.paid_at;
  return http::Response::json(200, boost::json::serialize(out));
}

}  // namespace

void add_payment_routes(http::Router& router, const PaymentDeps& deps) {
  db::Pool& pool = deps.db;
  // Unkeyed payments are settled in batches with those of the instance's other loops.
  PaymentBatcher& payments = deps.payments;
  router.add(
      http::Method::post, "/api/v1/points/use", http::Access::user,
      [&pool, &payments,
       &wakeup = deps.outbox_wakeup](http::Request& request) -> awaitable<http::Response> {
        auto body = json_input::parse_object_body(request);
        auto user_id = json_input::required_id(body, "userId");
        auto order_id = json_input::required_id(body, "orderId");
        auto render = [&](const PayOutcome& outcome) {
          return paid_response(outcome, user_id, order_id);
        };
        if (auto key = idempotency::key_of(request)) {
          const idempotency::Work work = [&](db::Connection& tx) -> awaitable<http::Response> {
            co_return render(co_await pay_order(tx, user_id, order_id));
          };
          auto response = co_await idempotency::run_once(
              pool, request, idempotency::owner_of(request.caller, user_id), *key, work);
          if (response.status == 200) wakeup.committed();
          co_return response;
        }
        // A keyed payment keeps its own transaction (the key and the payment commit together);
        // an unkeyed one joins the next batch.
        auto response = render(co_await payments.pay(pool, user_id, order_id));
        // Committed: the ORDER_PAID event is in the outbox, for this process's relay to send.
        wakeup.committed();
        co_return response;
      });
}

}  // namespace orders
