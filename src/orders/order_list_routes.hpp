#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace orders {

// The order lists: a user's own (GET /api/v1/orders?userId=) and everyone's for the
// operator (GET /api/v1/admin/orders).
void add_list_routes(http::Router& router, const app::Services& services);

}  // namespace orders
