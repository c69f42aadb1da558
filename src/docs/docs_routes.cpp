#include "docs/docs_routes.hpp"

#include <memory>

#include <spdlog/spdlog.h>

#include "docs/docs_assets.hpp"

namespace docs {

namespace {

using boost::asio::awaitable;

// The UI files only change with a new swagger-ui-dist, and revalidation is cheap (ETag).
constexpr std::string_view kAssetCaching = "public, max-age=3600";
// The page and the description change with the deployed version: always revalidate.
constexpr std::string_view kRevalidate = "no-cache";
// The page loads nothing but its own files; Swagger UI sets inline styles and shows
// inline (data:) images, and "Try it out" calls this same origin.
constexpr std::string_view kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'";

http::Response serve(const http::Request& request, const Asset& asset,
                     std::string_view cache_control) {
  http::Response response;
  response.headers.emplace_back("Cache-Control", cache_control);
  response.headers.emplace_back("ETag", asset.etag);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.content_type = asset.content_type;
  if (etag_matches(request.header("If-None-Match"), asset.etag)) {
    response.status = 304;
    return response;
  }
  response.body = asset.body;
  return response;
}

// What a client is told: how to fix it, never where this server keeps its files (the log
// has the full problem, paths included).
constexpr std::string_view kAssetsMissing =
    "the Swagger UI files are not installed on this server; install them with `npm ci --prefix "
    "web --ignore-scripts` (scripts/run and scripts/test do) or set SWAGGER_UI_DIR; the "
    "description is at /api/openapi.yaml";
constexpr std::string_view kOpenapiMissing =
    "the OpenAPI description is not installed on this server (see OPENAPI_FILE)";

http::Response unavailable(std::string_view detail) {
  return http::problem(503, "UNAVAILABLE", detail);
}

}  // namespace

std::string openapi_file(const config::Config& config) {
  if (!config.openapi_file.empty()) return config.openapi_file;
  return std::string(ECOMMERCE_SOURCE_DIR) + "/api/openapi.yaml";
}

std::string swagger_ui_dir(const config::Config& config) {
  if (!config.swagger_ui_dir.empty()) return config.swagger_ui_dir;
  return std::string(ECOMMERCE_SOURCE_DIR) + "/web/node_modules/swagger-ui-dist";
}

std::shared_ptr<const DocsFiles> load_files(const config::Config& config) {
  auto files =
      std::make_shared<DocsFiles>(load_docs_files(openapi_file(config), swagger_ui_dir(config)));
  if (!files->openapi_problem.empty()) {
    spdlog::warn("msg=\"/api/openapi.yaml unavailable\" detail=\"{}\"", files->openapi_problem);
  }
  if (!files->assets_problem.empty()) {
    spdlog::warn("msg=\"/docs unavailable\" detail=\"{}\"", files->assets_problem);
  }
  return files;
}

void add_routes(http::Router& router, const DocsDeps& deps) {
  std::shared_ptr<const DocsFiles> files = deps.files;

  router.add(http::Method::get, "/docs", [files](http::Request&) -> awaitable<http::Response> {
    if (files->assets.empty()) co_return unavailable(kAssetsMissing);
    http::Response response;
    response.content_type = "text/html; charset=utf-8";
    response.body = page_html();
    response.headers.emplace_back("Cache-Control", kRevalidate);
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Content-Security-Policy", kPagePolicy);
    co_return response;
  });

  router.add(http::Method::get, "/docs/assets/{file}",
             [files](http::Request& request) -> awaitable<http::Response> {
               const std::string* name = request.path_param("file");
               // The whitelist is the map itself: an unknown name, "..", or anything with a
               // slash (which the router would not even match) is simply not there.
               if (!asset_content_type(*name)) {
                 co_return http::problem(404, "NOT_FOUND", "no docs asset by that name");
               }
               if (files->assets.empty()) co_return unavailable(kAssetsMissing);
               co_return serve(request, files->assets.find(*name)->second, kAssetCaching);
             });

  router.add(http::Method::get, "/api/openapi.yaml",
             [files](http::Request& request) -> awaitable<http::Response> {
               if (!files->openapi) co_return unavailable(kOpenapiMissing);
               co_return serve(request, *files->openapi, kRevalidate);
             });
}

}  // namespace docs
