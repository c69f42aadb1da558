#pragma once

#include <memory>
#include <string>

#include "docs/docs_assets.hpp"
#include "platform/config/config.hpp"
#include "platform/http/router.hpp"

namespace docs {

// What these routes use, built by app/.
struct DocsDeps {
  std::shared_ptr<const DocsFiles> files;
};

// Where the OpenAPI description and the swagger-ui-dist files are: OPENAPI_FILE and
// SWAGGER_UI_DIR, else the source tree's api/openapi.yaml and web/node_modules/.
std::string openapi_file(const config::Config& config);
std::string swagger_ui_dir(const config::Config& config);

// Reads the files once, at start (main shares them among the event loops' routes), and
// logs what is missing; never throws.
std::shared_ptr<const DocsFiles> load_files(const config::Config& config);

// GET /docs (Swagger UI), GET /docs/assets/{file} and GET /api/openapi.yaml, served from
// services.docs_files.
void add_routes(http::Router& router, const DocsDeps& deps);

}  // namespace docs
