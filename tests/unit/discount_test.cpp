#include <gtest/gtest.h>

#include "coupons/discount.hpp"

namespace coupons {
namespace {

TEST(Discount, FixedTakesItsValueButNeverBelowZero) {
  EXPECT_EQ(discount_for(10'000, DiscountType::fixed, 3'000), 3'000);
  EXPECT_EQ(discount_for(2'000, DiscountType::fixed, 3'000), 2'000);
  EXPECT_EQ(discount_for(0, DiscountType::fixed, 3'000), 0);
}

TEST(Discount, RateRoundsDown) {
  EXPECT_EQ(discount_for(10'000, DiscountType::rate, 10), 1'000);
  EXPECT_EQ(discount_for(999, DiscountType::rate, 10), 99);  // floor(99.9)
  EXPECT_EQ(discount_for(1, DiscountType::rate, 99), 0);
  EXPECT_EQ(discount_for(12'345, DiscountType::rate, 100), 12'345);
}

TEST(Discount, RateOnTheLargestPossibleTotalDoesNotOverflow) {
  const std::int64_t largest_total = 50LL * 1000 * 100'000'000;
  EXPECT_EQ(discount_for(largest_total, DiscountType::rate, 100), largest_total);
  EXPECT_EQ(discount_for(largest_total, DiscountType::rate, 33), largest_total / 100 * 33);
}

TEST(Discount, ValidValuesPerType) {
  EXPECT_FALSE(is_valid_discount(DiscountType::fixed, 0));
  EXPECT_TRUE(is_valid_discount(DiscountType::fixed, 1));
  EXPECT_TRUE(is_valid_discount(DiscountType::fixed, 1'000'000));
  EXPECT_FALSE(is_valid_discount(DiscountType::rate, 0));
  EXPECT_TRUE(is_valid_discount(DiscountType::rate, 1));
  EXPECT_TRUE(is_valid_discount(DiscountType::rate, 100));
  EXPECT_FALSE(is_valid_discount(DiscountType::rate, 101));
}

TEST(Discount, TypeNamesRoundTrip) {
  EXPECT_EQ(parse_discount_type("FIXED"), DiscountType::fixed);
  EXPECT_EQ(parse_discount_type("RATE"), DiscountType::rate);
  EXPECT_FALSE(parse_discount_type("fixed"));
  EXPECT_EQ(to_string(DiscountType::rate), "RATE");
}

}  // namespace
}  // namespace coupons
