#include "users/user_name.hpp"

#include <algorithm>

namespace users {

std::size_t code_points(std::string_view utf8) {
  // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::optional<std::string> name_problem(std::string_view name) {
  const auto length = code_points(name);
  if (length == 0 || length > kMaxNameLength) return "'name' must be 1 to 100 characters";
  bool blank = std::all_of(name.begin(), name.end(),
                           [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
  if (blank) return "'name' must not be blank";
  return std::nullopt;
}

}  // namespace users
