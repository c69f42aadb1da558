#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace users {

inline constexpr std::size_t kMaxNameLength = 100;

// Counts Unicode code points of valid UTF-8 (the JSON parser has already validated it).
std::size_t code_points(std::string_view utf8);

// Why a user name is unacceptable, or nullopt when it is fine: 1..100 characters, not blank.
std::optional<std::string> name_problem(std::string_view name);

}  // namespace users
