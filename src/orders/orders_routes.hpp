#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace orders {

// Orders (create, read, cancel) and their payment, POST /api/v1/points/use.
void add_routes(http::Router& router, const app::Services& services);

}  // namespace orders
