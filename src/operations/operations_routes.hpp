#pragma once

#include "app/services.hpp"
#include "platform/http/router.hpp"

namespace operations {

// /health (the process serves) and /ready (the database answers and the schema is applied).
void add_routes(http::Router& router, const app::Services& services);

}  // namespace operations
