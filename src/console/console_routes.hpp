#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace console {

// GET /console (the shop and operator page) and GET /console/assets/{file}.
void add_routes(http::Router& router, const app::Services& services);

}  // namespace console
