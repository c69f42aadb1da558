#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace catalog {

// Public product reads and the admin catalogue (create, restock).
void add_routes(http::Router& router, const app::Services& services);

}  // namespace catalog
