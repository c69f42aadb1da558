#include <gtest/gtest.h>

#include "stats/sales_date.hpp"

namespace {

using stats::parse_sales_date;

TEST(SalesDate, AcceptsRealCalendarDates) {
  EXPECT_EQ(parse_sales_date("2026-11-23"), "2026-11-23");
  EXPECT_EQ(parse_sales_date("2024-02-29"), "2024-02-29");  // leap year
  EXPECT_EQ(parse_sales_date("0001-01-01"), "0001-01-01");
  EXPECT_EQ(parse_sales_date("9999-12-31"), "9999-12-31");
}

TEST(SalesDate, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_sales_date("2026-02-29"));  // not a leap year
  EXPECT_FALSE(parse_sales_date("2100-02-29"));  // century rule
  EXPECT_FALSE(parse_sales_date("2026-04-31"));
  EXPECT_FALSE(parse_sales_date("2026-13-01"));
  EXPECT_FALSE(parse_sales_date("2026-00-10"));
  EXPECT_FALSE(parse_sales_date("2026-01-00"));
  EXPECT_FALSE(parse_sales_date("0000-01-01"));
}

TEST(SalesDate, RejectsOtherShapes) {
  for (const char* text :
       {"", "2026-1-01", "2026-01-1", "20260101", "2026/01/01", "2026-01-01 ", " 2026-01-01",
        "+2026-01-1", "2026-01-01T00:00:00Z", "abcd-ef-gh", "-026-01-01", "2026-0a-01"}) {
    EXPECT_FALSE(parse_sales_date(text)) << text;
  }
}

}  // namespace
