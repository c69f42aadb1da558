#pragma once

#include <cstdint>

namespace os {

// Raises the soft RLIMIT_NOFILE to the hard limit (a default Debian shell gives 1,024,
// which a few hundred idle clients plus the database pools exhaust: then accept() fails
// and the pools cannot connect). Returns the soft limit now in effect.
std::uint64_t raise_open_files_limit();

}  // namespace os
