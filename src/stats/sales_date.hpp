#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stats {

// A calendar date written YYYY-MM-DD (exactly that shape, a real date, year 0001..9999),
// returned in the same canonical form; nullopt otherwise.
std::optional<std::string> parse_sales_date(std::string_view text);

}  // namespace stats
