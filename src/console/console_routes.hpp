#pragma once

#include <memory>
#include "console/console_files.hpp"
#include "platform/config/config.hpp"
#include "platform/http/router.hpp"

namespace console {

// What these routes use, built by app/.
struct ConsoleDeps {
  std::shared_ptr<const LoadedConsole> files;  // null: /console answers 503
};

// The console's files (CONSOLE_WEB_DIR, else web/ of the source tree), read once at start
// and shared by every loop; a problem is logged and leaves /console answering 503.
std::shared_ptr<const LoadedConsole> load_console(const config::Config& config);

// GET /console (the shop and operator page) and GET /console/assets/{file}.
void add_routes(http::Router& router, const ConsoleDeps& deps);

}  // namespace console
