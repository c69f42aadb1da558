#include "docs/docs_assets.hpp"

#include <array>
#include <cstdint>
#include <filesystem>

#include <fmt/format.h>

#include "platform/os/read_file.hpp"

namespace docs {

namespace {

constexpr std::string_view kJs = "text/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";

constexpr std::array kAssetTypes{
    AssetType{"swagger-ui.css", kCss, true},
    AssetType{"index.css", kCss, true},
    AssetType{"swagger-ui-bundle.js", kJs, true},
    AssetType{"swagger-ui-standalone-preset.js", kJs, true},
    AssetType{"favicon-32x32.png", "image/png", true},
    AssetType{"favicon-16x16.png", "image/png", true},
    AssetType{kInitializerName, kJs, false},
};

// validatorUrl null: Swagger UI would otherwise send the description to an online
// validator. Everything else is the stock swagger-initializer.js.
constexpr std::string_view kInitializer = R"js(window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.yaml",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
});
)js";

constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>ecommerce API</title>
    <link rel="stylesheet" type="text/css" href="/docs/assets/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/docs/assets/index.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <noscript>This page needs JavaScript; the description itself is at
      <a href="/api/openapi.yaml">/api/openapi.yaml</a>.</noscript>
    <script src="/docs/assets/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/assets/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/assets/docs-init.js" charset="UTF-8"></script>
  </body>
</html>
)html";

Asset make_asset(std::string body, std::string_view content_type) {
  Asset asset{std::move(body), content_type, {}};
  asset.etag = etag_of(asset.body);
  return asset;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::span<const AssetType> asset_types() {
  return kAssetTypes;
}

std::optional<std::string_view> asset_content_type(std::string_view name) {
  for (const auto& type : kAssetTypes) {
    if (type.name == name) return type.content_type;
  }
  return std::nullopt;
}

std::string_view initializer_js() {
  return kInitializer;
}

std::string_view page_html() {
  return kPage;
}

std::string etag_of(std::string_view body) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("\"{:016x}\"", hash);
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  std::size_t start = 0;
  while (start <= if_none_match.size()) {
    auto comma = if_none_match.find(',', start);
    if (comma == std::string_view::npos) comma = if_none_match.size();
    auto candidate = trim(if_none_match.substr(start, comma - start));
    // If-None-Match uses the weak comparison: W/"x" matches "x".
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate == "*" || (!candidate.empty() && candidate == etag)) return true;
    start = comma + 1;
  }
  return false;
}

DocsFiles load_docs_files(const std::string& openapi_file, const std::string& swagger_ui_dir) {
  DocsFiles files;
  if (auto body = os::read_file(openapi_file)) {
    files.openapi = make_asset(std::move(*body), "application/yaml");
  } else {
    files.openapi_problem = fmt::format("the OpenAPI description {} cannot be read", openapi_file);
  }
  std::map<std::string, Asset, std::less<>> assets;
  for (const auto& type : kAssetTypes) {
    if (!type.from_package) {
      assets.emplace(type.name, make_asset(std::string(kInitializer), type.content_type));
      continue;
    }
    const auto path = fmt::format("{}/{}", swagger_ui_dir, type.name);
    auto body = os::read_file(path);
    if (!body) {
      files.assets_problem = fmt::format(
          "the Swagger UI files are not installed ({} cannot be read); install them with "
          "`npm ci --prefix web --ignore-scripts` (scripts/run and scripts/test do) or set "
          "SWAGGER_UI_DIR; the description is at /api/openapi.yaml",
          path);
      return files;
    }
    assets.emplace(type.name, make_asset(std::move(*body), type.content_type));
  }
  files.assets = std::move(assets);
  return files;
}

}  // namespace docs
