#include "console/console_files.hpp"

#include <array>
#include <filesystem>

#include <fmt/format.h>

#include "platform/os/read_file.hpp"

namespace console {

namespace {

constexpr std::string_view kJs = "text/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";

constexpr std::array kFiles{
    ConsoleFile{kPageName, "console/index.html", "text/html; charset=utf-8"},
    ConsoleFile{"console.css", "console/console.css", kCss},
    ConsoleFile{"main.js", "console/main.js", kJs},
    ConsoleFile{"api.js", "console/api.js", kJs},
    ConsoleFile{"dom.js", "console/dom.js", kJs},
    ConsoleFile{"shop.js", "console/shop.js", kJs},
    ConsoleFile{"operate.js", "console/operate.js", kJs},
    ConsoleFile{"charts.js", "console/charts.js", kJs},
    ConsoleFile{"live.js", "console/live.js", kJs},
    ConsoleFile{"metrics.js", "console/metrics.js", kJs},
    ConsoleFile{"uPlot.esm.js", "node_modules/uplot/dist/uPlot.esm.js", kJs},
    ConsoleFile{"uPlot.min.css", "node_modules/uplot/dist/uPlot.min.css", kCss},
};

}  // namespace

std::span<const ConsoleFile> console_files() {
  return kFiles;
}

std::optional<ConsoleFile> console_file(std::string_view name) {
  for (const auto& file : kFiles) {
    if (file.name == name) return file;
  }
  return std::nullopt;
}

LoadedConsole load_console_files(const std::string& web_dir) {
  LoadedConsole loaded;
  std::map<std::string, docs::Asset, std::less<>> files;
  for (const auto& file : kFiles) {
    const auto path = fmt::format("{}/{}", web_dir, file.relative_path);
    auto body = os::read_file(path);
    if (!body) {
      loaded.problem = fmt::format(
          "the console's files are not installed ({} cannot be read); install them with `npm "
          "ci --prefix web --ignore-scripts` (scripts/run and scripts/test do)",
          path);
      return loaded;
    }
    docs::Asset asset{std::move(*body), file.content_type, {}};
    asset.etag = docs::etag_of(asset.body);
    files.emplace(file.name, std::move(asset));
  }
  loaded.files = std::move(files);
  return loaded;
}

}  // namespace console
