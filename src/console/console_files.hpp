#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "docs/docs_assets.hpp"

// The files behind /console: the page (web/console/) and the charting library it uses
// (uPlot, from web/node_modules), read once at start so no request touches the disk.
namespace console {

struct ConsoleFile {
  std::string_view name;           // the {file} of /console/assets/{file}
  std::string_view relative_path;  // under the web/ directory
  std::string_view content_type;
};

// Every file /console serves; nothing else is ever read or served. "index.html" is the page
// itself (GET /console).
std::span<const ConsoleFile> console_files();

// The entry of /console/assets/{name}, or nullopt when `name` is not whitelisted. Only
// exact names match, so "..", "a/b" or an absolute path never do.
std::optional<ConsoleFile> console_file(std::string_view name);

inline constexpr std::string_view kPageName = "index.html";

struct LoadedConsole {
  std::map<std::string, docs::Asset, std::less<>> files;  // empty unless every file was read
  std::string problem;                                    // why `files` is empty
};

// Reads every whitelisted file under `web_dir`. Never throws: what is missing is said in
// `problem`, and /console answers 503 with how to install it.
LoadedConsole load_console_files(const std::string& web_dir);

}  // namespace console
