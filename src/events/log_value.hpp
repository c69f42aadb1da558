#pragma once

#include <string>

namespace events {

// Error texts (libpq's span lines) as one logfmt value: line breaks and tabs become spaces,
// double quotes single ones.
std::string one_line(std::string text);

}  // namespace events
