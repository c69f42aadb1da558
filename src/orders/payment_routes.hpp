#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace orders {

// An order's payment with points: POST /api/v1/points/use.
void add_payment_routes(http::Router& router, const app::Services& services);

}  // namespace orders
