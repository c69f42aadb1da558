#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace coupons {

// The operator's list of coupon kinds: GET /api/v1/admin/coupons.
void add_list_routes(http::Router& router, const app::Services& services);

}  // namespace coupons
