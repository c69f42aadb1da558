#include <gtest/gtest.h>

#include "stats/daily_stats.hpp"

namespace stats {
namespace {

DayRange range_of(const std::string& from, const std::string& to) {
  auto asked = parse_day_range(&from, &to);
  EXPECT_TRUE(asked.range) << asked.problem;
  return asked.range.value_or(DayRange{});
}

TEST(DayRange, OneDayAndTheLongestRangeAreAccepted) {
  auto one = range_of("2026-11-23", "2026-11-23");
  EXPECT_EQ(format_day(one.first), "2026-11-23");
  EXPECT_EQ(format_day(one.last), "2026-11-23");
  // 92 days: 2026-01-01 .. 2026-04-02 (31 + 28 + 31 + 2).
  auto longest = range_of("2026-01-01", "2026-04-02");
  EXPECT_EQ((longest.last - longest.first).count() + 1, kMaxStatsDays);
}

TEST(DayRange, RefusesWhatCannotBeAnswered) {
  const std::string from = "2026-01-01", late = "2026-04-03", early = "2025-12-31";
  const std::string bad_day = "2026-02-30", bad_shape = "2026-1-01";
  EXPECT_FALSE(parse_day_range(&from, &late).range);  // 93 days
  EXPECT_FALSE(parse_day_range(&from, &early).range);
  EXPECT_FALSE(parse_day_range(&bad_day, &late).range);
  EXPECT_FALSE(parse_day_range(&from, &bad_shape).range);
  EXPECT_FALSE(parse_day_range(nullptr, &late).range);
  EXPECT_FALSE(parse_day_range(&from, nullptr).range);
  EXPECT_NE(parse_day_range(&from, &late).problem.find("92"), std::string::npos);
}

TEST(EveryDay, FillsDaysWithoutSalesOldestFirstAcrossAMonthEnd) {
  auto range = range_of("2026-02-27", "2026-03-02");
  std::vector<DailySales> found{{"2026-03-01", 2, 5, 9000}, {"2026-02-27", 1, 1, 1000}};
  auto days = every_day(range, found);
  ASSERT_EQ(days.size(), 4u);
  EXPECT_EQ(days[0].date, "2026-02-27");
  EXPECT_EQ(days[0].revenue, 1000);
  EXPECT_EQ(days[1].date, "2026-02-28");
  EXPECT_EQ(days[1].paid_orders, 0);
  EXPECT_EQ(days[1].units_sold, 0);
  EXPECT_EQ(days[2].date, "2026-03-01");
  EXPECT_EQ(days[2].units_sold, 5);
  EXPECT_EQ(days[3].date, "2026-03-02");
  EXPECT_EQ(days[3].revenue, 0);
}

}  // namespace
}  // namespace stats
