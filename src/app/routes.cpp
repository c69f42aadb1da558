#include "app/routes.hpp"

#include "catalog/catalog_routes.hpp"
#include "console/console_routes.hpp"
#include "coupons/coupon_list_routes.hpp"
#include "coupons/coupons_routes.hpp"
#include "docs/docs_routes.hpp"
#include "operations/operations_routes.hpp"
#include "orders/order_list_routes.hpp"
#include "orders/orders_routes.hpp"
#include "orders/payment_routes.hpp"
#include "points/points_routes.hpp"
#include "stats/best_sellers_routes.hpp"
#include "stats/daily_stats_routes.hpp"
#include "users/users_routes.hpp"

namespace app {

void add_all_routes(http::Router& router, const Services& services) {
  operations::add_routes(router, services);
  users::add_routes(router, services);
  points::add_routes(router, services);
  catalog::add_routes(router, services);
  coupons::add_routes(router, services);
  coupons::add_list_routes(router, services);
  orders::add_routes(router, services);
  orders::add_list_routes(router, services);
  orders::add_payment_routes(router, services);
  docs::add_routes(router, services);
  console::add_routes(router, services);
  stats::add_routes(router, services);
  stats::add_daily_routes(router, services);
}

}  // namespace app
