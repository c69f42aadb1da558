#include "stats/daily_stats_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "platform/http/api_error.hpp"
#include "stats/daily_stats_store.hpp"

namespace stats {

void add_daily_routes(http::Router& router, const DailyStatsDeps& deps) {
  router.add(http::Method::get, "/api/v1/admin/stats/daily", http::Access::admin,
             [&pool = deps.db](http::Request& request) -> boost::asio::awaitable<http::Response> {
               auto asked = parse_day_range(request.query_param("from"), request.query_param("to"));
               if (!asked.range) throw http::ApiError::invalid_request(asked.problem);
               auto days = every_day(*asked.range, co_await daily_sales(pool, *asked.range));
               boost::json::array out;
               out.reserve(days.size());
               for (const auto& day : days) {
                 out.push_back(boost::json::object{{"date", day.date},
                                                   {"paidOrders", day.paid_orders},
                                                   {"unitsSold", day.units_sold},
                                                   {"revenue", day.revenue}});
               }
               co_return http::Response::json(200, boost::json::serialize(out));
             });
}

}  // namespace stats
