#include "orders/order_list_routes.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "orders/order_json.hpp"
#include "orders/order_lists.hpp"
#include "platform/json/input.hpp"
#include "platform/json/page.hpp"
#include "stats/answer_cache.hpp"
#include "users/user_errors.hpp"

namespace orders {

namespace {

using boost::asio::awaitable;

// The operator's totalElements: counting every order costs an index-only scan over all of
// them (about 0.1 s at a million), too much for every page. Each loop keeps the count per
// status for a second and refreshes it with one request while the others get the previous
// count, so the total may lag new orders by a second or two; the page's orders themselves
// are always read fresh.
constexpr auto kCountFreshFor = std::chrono::seconds(1);
constexpr auto kCountServeStaleFor = std::chrono::seconds(10);

http::Response page_response(const OrderPage& found, const json_input::PageRequest& page) {
  boost::json::array content;
  content.reserve(found.orders.size());
  for (const auto& order : found.orders) content.push_back(order_json(order));
  return http::Response::json(
      200, boost::json::serialize(json_output::page_json(std::move(content), page, found.total)));
}

}  // namespace

void add_list_routes(http::Router& router, const OrderListDeps& deps) {
  db::Pool& pool = deps.db;

  router.add(http::Method::get, "/api/v1/orders", http::Access::user,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto user_id = json_input::query_id(request, "userId");
               const OrderFilter filter{user_id, status_filter(request.query_param("status"))};
               auto page = json_input::query_page(request);
               auto found = co_await list_orders(pool, filter, page.size, page.offset());
               if (!found) throw users::user_not_found(user_id);
               co_return page_response(*found, page);
             });

  auto counts = std::make_shared<stats::AnswerCache>(kCountFreshFor, kCountServeStaleFor);
  router.add(
      http::Method::get, "/api/v1/admin/orders", http::Access::admin,
      [&pool, counts](http::Request& request) -> awaitable<http::Response> {
        const auto status = status_filter(request.query_param("status"));
        auto page = json_input::query_page(request);
        auto found =
            co_await list_orders(pool, OrderFilter{std::nullopt, status}, page.size, page.offset());
        // Named, not a temporary in the co_await: g++ 12 mis-destroys temporaries
        // with destructors that live across a suspension.
        const stats::AnswerCache::Loader count = [&pool, status]() -> awaitable<std::string> {
          co_return std::to_string(co_await count_orders(pool, status));
        };
        const std::string key(status ? to_string(*status) : "");
        const auto total = std::stoll(co_await counts->get(key, count));
        auto listed = found.value_or(OrderPage{});
        listed.total = total;
        co_return page_response(listed, page);
      });
}

}  // namespace orders
