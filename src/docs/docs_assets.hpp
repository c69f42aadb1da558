#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// The files behind /docs: the OpenAPI description and the few Swagger UI files the page
// needs, read once at start so that no request ever touches the disk.
namespace docs {

struct AssetType {
  std::string_view name;  // the {file} of /docs/assets/{file}
  std::string_view content_type;
  bool from_package;  // from swagger-ui-dist on disk; else written by us
};

// Every file /docs/assets/ serves. Nothing else is ever read or served.
std::span<const AssetType> asset_types();

// The Content-Type of /docs/assets/{name}, or nullopt when `name` is not whitelisted.
// Only exact names match, so "..", "../x", "a/b" or an absolute path never do.
std::optional<std::string_view> asset_content_type(std::string_view name);

// The one asset this service writes itself: it starts Swagger UI on /api/openapi.yaml.
// A file rather than an inline <script>, so the page works under a strict CSP.
inline constexpr std::string_view kInitializerName = "docs-init.js";
std::string_view initializer_js();

// The HTML of /docs; it loads everything from /docs/assets/.
std::string_view page_html();

// A strong validator for a body (FNV-1a 64 in hex, quoted), for ETag / If-None-Match.
std::string etag_of(std::string_view body);
// Whether an If-None-Match header value names `etag` ("*", a list, W/ forms).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

struct Asset {
  std::string body;
  std::string_view content_type;
  std::string etag;
};

struct DocsFiles {
  std::optional<Asset> openapi;                      // nullopt: the file could not be read
  std::map<std::string, Asset, std::less<>> assets;  // empty unless every file was read
  std::string openapi_problem;                       // why `openapi` is missing, for the 503 detail
  std::string assets_problem;                        // why `assets` is empty, for the 503 detail
};

// Reads the OpenAPI file and the Swagger UI files. Never throws for a missing file: what
// is missing is described in the *_problem fields, so the server still starts.
DocsFiles load_docs_files(const std::string& openapi_file, const std::string& swagger_ui_dir);

}  // namespace docs
