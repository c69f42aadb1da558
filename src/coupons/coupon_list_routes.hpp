#pragma once

#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace coupons {

// What these routes use, built by app/.
struct CouponListDeps {
  db::Pool& db;
};

// The operator's list of coupon kinds: GET /api/v1/admin/coupons.
void add_list_routes(http::Router& router, const CouponListDeps& deps);

}  // namespace coupons
