#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace os {

// The whole content of the regular file at `path`, or nullopt when it is missing, not a
// regular file (a directory opens as an empty stream), or cannot be read. Blocking: for
// start-up, off the I/O loops.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace os
