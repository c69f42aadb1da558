#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace coupons {

// FCFS issue, a user's coupons, and the admin coupon endpoints.
void add_routes(http::Router& router, const app::Services& services);

}  // namespace coupons
