#include "coupons/coupon_list_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "coupons/coupon_json.hpp"
#include "coupons/coupon_lists.hpp"
#include "platform/json/input.hpp"
#include "platform/json/page.hpp"

namespace coupons {

void add_list_routes(http::Router& router, const CouponListDeps& deps) {
  router.add(http::Method::get, "/api/v1/admin/coupons", http::Access::admin,
             [&pool = deps.db](http::Request& request) -> boost::asio::awaitable<http::Response> {
               auto page = json_input::query_page(request);
               auto found = co_await list_coupons(pool, page.size, page.offset());
               boost::json::array content;
               content.reserve(found.coupons.size());
               for (const auto& coupon : found.coupons) content.push_back(coupon_json(coupon));
               co_return http::Response::json(200, boost::json::serialize(json_output::page_json(
                                                       std::move(content), page, found.total)));
             });
}

}  // namespace coupons
