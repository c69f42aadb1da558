#include "orders/order_list_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "orders/order_json.hpp"
#include "orders/order_lists.hpp"
#include "platform/json/input.hpp"
#include "platform/json/page.hpp"
#include "users/user_errors.hpp"

namespace orders {

namespace {

using boost::asio::awaitable;

http::Response page_response(const OrderPage& found, const json_input::PageRequest& page) {
  boost::json::array content;
  content.reserve(found.orders.size());
  for (const auto& order : found.orders) content.push_back(order_json(order));
  return http::Response::json(
      200, boost::json::serialize(json_output::page_json(std::move(content), page, found.total)));
}

}  // namespace

void add_list_routes(http::Router& router, const app::Services& services) {
  db::Pool& pool = services.db;

  router.add(http::Method::get, "/api/v1/orders", http::Access::user,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               auto user_id = json_input::query_id(request, "userId");
               const OrderFilter filter{user_id, status_filter(request.query_param("status"))};
               auto page = json_input::query_page(request);
               auto found = co_await list_orders(pool, filter, page.size, page.offset());
               if (!found) throw users::user_not_found(user_id);
               co_return page_response(*found, page);
             });

  router.add(http::Method::get, "/api/v1/admin/orders", http::Access::admin,
             [&pool](http::Request& request) -> awaitable<http::Response> {
               const OrderFilter filter{std::nullopt, status_filter(request.query_param("status"))};
               auto page = json_input::query_page(request);
               auto found = co_await list_orders(pool, filter, page.size, page.offset());
               co_return page_response(found.value_or(OrderPage{}), page);
             });
}

}  // namespace orders
