#include "stats/daily_stats.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "stats/sales_date.hpp"

namespace stats {

namespace {

std::optional<std::chrono::sys_days> day_of(const std::string& text) {
  auto canonical = parse_sales_date(text);
  if (!canonical) return std::nullopt;
  const int year = std::stoi(canonical->substr(0, 4));
  const auto month = static_cast<unsigned>(std::stoi(canonical->substr(5, 2)));
  const auto day = static_cast<unsigned>(std::stoi(canonical->substr(8, 2)));
  return std::chrono::sys_days{std::chrono::year_month_day{
      std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)}};
}

}  // namespace

DayRangeRequest parse_day_range(const std::string* from, const std::string* to) {
  if (!from || !to) return {std::nullopt, "'from' and 'to' are required, as YYYY-MM-DD"};
  auto first = day_of(*from);
  if (!first) return {std::nullopt, "'from' must be a date as YYYY-MM-DD"};
  auto last = day_of(*to);
  if (!last) return {std::nullopt, "'to' must be a date as YYYY-MM-DD"};
  if (*last < *first) return {std::nullopt, "'to' is before 'from'"};
  const auto days = (*last - *first).count() + 1;
  if (days > kMaxStatsDays) {
    return {std::nullopt,
            fmt::format("at most {} days at once, {} asked for", kMaxStatsDays, days)};
  }
  return {DayRange{*first, *last}, {}};
}

std::string format_day(std::chrono::sys_days day) {
  const std::chrono::year_month_day date{day};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

std::vector<DailySales> every_day(const DayRange& range, const std::vector<DailySales>& found) {
  std::unordered_map<std::string, const DailySales*> by_date;
  for (const auto& entry : found) by_date[entry.date] = &entry;
  std::vector<DailySales> days;
  for (auto day = range.first; day <= range.last; day += std::chrono::days(1)) {
    auto date = format_day(day);
    auto hit = by_date.find(date);
    if (hit != by_date.end()) {
      days.push_back(*hit->second);
    } else {
      days.push_back(DailySales{std::move(date), 0, 0, 0});
    }
  }
  return days;
}

}  // namespace stats
