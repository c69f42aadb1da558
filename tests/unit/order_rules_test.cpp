#include <gtest/gtest.h>

#include "orders/order_rules.hpp"

namespace orders {
namespace {

TEST(MergeLines, MergesDuplicatesAndSortsByProduct) {
  std::vector<OrderLine> lines{{7, 2}, {3, 1}, {7, 5}, {1, 4}};
  auto merged = merge_lines(lines);
  ASSERT_EQ(merged.lines.size(), 3u);
  EXPECT_EQ(merged.lines[0].product_id, 1);
  EXPECT_EQ(merged.lines[0].quantity, 4);
  EXPECT_EQ(merged.lines[1].product_id, 3);
  EXPECT_EQ(merged.lines[2].product_id, 7);
  EXPECT_EQ(merged.lines[2].quantity, 7);
  EXPECT_FALSE(merged.over_limit_id);
}

TEST(MergeLines, MergedQuantityAtTheLimitIsAccepted) {
  std::vector<OrderLine> lines{{5, 600}, {5, 400}};
  auto merged = merge_lines(lines);
  EXPECT_EQ(merged.lines[0].quantity, 1000);
  EXPECT_FALSE(merged.over_limit_id);
}

TEST(MergeLines, MergedQuantityOverTheLimitNamesTheProduct) {
  std::vector<OrderLine> lines{{9, 1}, {5, 600}, {5, 401}};
  auto merged = merge_lines(lines);
  ASSERT_TRUE(merged.over_limit_id);
  EXPECT_EQ(*merged.over_limit_id, 5);
}

TEST(MergeLines, HugeQuantitiesSaturateInsteadOfOverflowing) {
  std::vector<OrderLine> lines(50, OrderLine{2, INT64_MAX / 2});
  auto merged = merge_lines(lines);
  ASSERT_TRUE(merged.over_limit_id);
  EXPECT_EQ(merged.lines[0].quantity, kMaxLineQuantity + 1);
}

TEST(OrderStatus, RoundTripsThroughText) {
  for (auto status :
       {OrderStatus::not_paid, OrderStatus::paid, OrderStatus::expired, OrderStatus::cancelled}) {
    EXPECT_EQ(parse_status(to_string(status)), status);
  }
  EXPECT_FALSE(parse_status("CANCEL"));
}

TEST(OrderStatus, OnlyNotPaidMovesAndOnlyToAFinalState) {
  EXPECT_TRUE(can_transition(OrderStatus::not_paid, OrderStatus::paid));
  EXPECT_TRUE(can_transition(OrderStatus::not_paid, OrderStatus::expired));
  EXPECT_TRUE(can_transition(OrderStatus::not_paid, OrderStatus::cancelled));
  EXPECT_FALSE(can_transition(OrderStatus::not_paid, OrderStatus::not_paid));
  for (auto from : {OrderStatus::paid, OrderStatus::expired, OrderStatus::cancelled}) {
    for (auto to :
         {OrderStatus::not_paid, OrderStatus::paid, OrderStatus::expired, OrderStatus::cancelled}) {
      EXPECT_FALSE(can_transition(from, to));
    }
  }
}

TEST(OrderStatus, LeavingForAnythingButPaidReleasesStockAndCoupon) {
  EXPECT_TRUE(releases_reservation(OrderStatus::expired));
  EXPECT_TRUE(releases_reservation(OrderStatus::cancelled));
  EXPECT_FALSE(releases_reservation(OrderStatus::paid));
  EXPECT_FALSE(releases_reservation(OrderStatus::not_paid));
}

}  // namespace
}  // namespace orders
