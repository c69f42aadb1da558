#pragma once

#include "coupons/issue_batcher.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace coupons {

// What these routes use, built by app/.
struct CouponsDeps {
  db::Pool& db;
  IssueBatcher& issues;
};

// FCFS issue, a user's coupons, and the admin coupon endpoints.
void add_routes(http::Router& router, const CouponsDeps& deps);

}  // namespace coupons
