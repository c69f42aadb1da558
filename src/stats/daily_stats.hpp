#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stats {

// GET /admin/stats/daily answers at most this many days at once.
inline constexpr int kMaxStatsDays = 92;

// Sales days from `first` to `last`, both included.
struct DayRange {
  std::chrono::sys_days first;
  std::chrono::sys_days last;
};

// The range the `from` and `to` query parameters ask for, or why it cannot be answered (a
// missing or malformed date, `to` before `from`, more than kMaxStatsDays days): the text
// for a 400 INVALID_REQUEST.
struct DayRangeRequest {
  std::optional<DayRange> range;
  std::string problem;
};
DayRangeRequest parse_day_range(const std::string* from, const std::string* to);

std::string format_day(std::chrono::sys_days day);

struct DailySales {
  std::string date;  // YYYY-MM-DD
  std::int64_t paid_orders = 0;
  std::int64_t units_sold = 0;
  std::int64_t revenue = 0;
};

// One entry per day of `range`, oldest first: the day's entry of `found` (the days that had
// sales, any order), or zeros for a day without sales.
std::vector<DailySales> every_day(const DayRange& range, const std::vector<DailySales>& found);

}  // namespace stats
