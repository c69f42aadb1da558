#include "stats/sales_date.hpp"

#include <chrono>

namespace stats {

namespace {
bool digits(std::string_view text) {
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}
int number(std::string_view text) {
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}
}  // namespace

std::optional<std::string> parse_sales_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto year = text.substr(0, 4), month = text.substr(5, 2), day = text.substr(8, 2);
  if (!digits(year) || !digits(month) || !digits(day)) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(number(year)),
                                         std::chrono::month(static_cast<unsigned>(number(month))),
                                         std::chrono::day(static_cast<unsigned>(number(day)))};
  if (number(year) < 1 || !date.ok()) return std::nullopt;
  return std::string(text);
}

}  // namespace stats
