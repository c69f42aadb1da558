#include "console/console_routes.hpp"

#include <memory>

#include <spdlog/spdlog.h>

#include "console/console_files.hpp"

namespace console {

namespace {

using boost::asio::awaitable;

// The page changes with the deployed version: always revalidate (ETag makes it cheap).
constexpr std::string_view kRevalidate = "no-cache";
// The page loads nothing but its own files and calls only this origin's API. uPlot sizes
// its elements through the CSSOM, which style-src does not govern.
constexpr std::string_view kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'none'";

constexpr std::string_view kMissing =
    "the console's files are not installed on this server; install them with `npm ci --prefix "
    "web --ignore-scripts` (scripts/run and scripts/test do)";

std::string web_dir(const config::Config& config) {
  if (!config.console_web_dir.empty()) return config.console_web_dir;
  return std::string(ECOMMERCE_SOURCE_DIR) + "/web";
}

http::Response serve(const http::Request& request, const docs::Asset& asset) {
  http::Response response;
  response.headers.emplace_back("Cache-Control", kRevalidate);
  response.headers.emplace_back("ETag", asset.etag);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Content-Security-Policy", kPagePolicy);
  response.content_type = asset.content_type;
  if (docs::etag_matches(request.header("If-None-Match"), asset.etag)) {
    response.status = 304;
    return response;
  }
  response.body = asset.body;
  return response;
}

}  // namespace

std::shared_ptr<const LoadedConsole> load_console(const config::Config& config) {
  auto files = std::make_shared<const LoadedConsole>(load_console_files(web_dir(config)));
  if (!files->problem.empty()) {
    spdlog::warn("msg=\"/console unavailable\" detail=\"{}\"", files->problem);
  }
  return files;
}

void add_routes(http::Router& router, const ConsoleDeps& deps) {
  // None given (a wiring without the files, e.g. the HTTP fuzzer): served as not installed.
  std::shared_ptr<const LoadedConsole> loaded =
      deps.files ? deps.files : std::make_shared<const LoadedConsole>();

  router.add(http::Method::get, "/console",
             [loaded](http::Request& request) -> awaitable<http::Response> {
               if (loaded->files.empty()) co_return http::problem(503, "UNAVAILABLE", kMissing);
               co_return serve(request, loaded->files.find(kPageName)->second);
             });

  router.add(http::Method::get, "/console/assets/{file}",
             [loaded](http::Request& request) -> awaitable<http::Response> {
               const std::string* name = request.path_param("file");
               if (!console_file(*name) || *name == kPageName) {
                 co_return http::problem(404, "NOT_FOUND", "no console file by that name");
               }
               if (loaded->files.empty()) co_return http::problem(503, "UNAVAILABLE", kMissing);
               co_return serve(request, loaded->files.find(*name)->second);
             });
}

}  // namespace console
