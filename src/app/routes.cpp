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

// Each capability gets only what it uses (its own dependencies struct): capabilities depend
// on the platform and on each other's types, never on app/.
void add_all_routes(http::Router& router, const Services& services) {
  db::Pool& db = services.db;
  WriteBatchers& writes = services.write_batchers;
  const config::Config& config = services.config;
  operations::add_routes(router, {db, services.draining, services.observability});
  users::add_routes(router, {db});
  points::add_routes(router,
                     {db, writes.charges, config.points_max_charge, config.points_max_balance});
  catalog::add_routes(router, {db, services.stale_reads_or_primary()});
  coupons::add_routes(router, {db, writes.coupon_issues});
  coupons::add_list_routes(router, {db});
  orders::add_routes(router, {db, writes.orders, config.order_payment_timeout_seconds});
  orders::add_list_routes(router, {db});
  orders::add_payment_routes(router, {db, writes.payments, services.outbox_wakeup});
  docs::add_routes(router, {services.docs_files});
  console::add_routes(router, {services.console_files});
  stats::add_routes(router, {services.stale_reads_or_primary(), services.best_sellers_counts});
  stats::add_daily_routes(router, {db});
}

}  // namespace app
