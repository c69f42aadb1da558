#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace orders {

// Orders: create, read, cancel (their payment: payment_routes.hpp).
void add_routes(http::Router& router, const app::Services& services);

}  // namespace orders
