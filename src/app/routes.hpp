#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace app {

// Every capability's routes, bound to one event loop's services.
void add_all_routes(http::Router& router, const Services& services);

}  // namespace app
