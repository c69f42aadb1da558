#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "points/point_policy.hpp"

namespace {

using points::charge_fits;
using points::is_valid_charge_amount;
using points::PointPolicy;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

TEST(PointPolicy, Defaults) {
  PointPolicy policy;
  EXPECT_EQ(policy.max_charge, 1'000'000);
  EXPECT_EQ(policy.max_balance, 100'000'000);
}

TEST(ChargeAmount, Edges) {
  PointPolicy policy;
  EXPECT_FALSE(is_valid_charge_amount(policy, 0));
  EXPECT_TRUE(is_valid_charge_amount(policy, 1));
  EXPECT_TRUE(is_valid_charge_amount(policy, 1'000'000));
  EXPECT_FALSE(is_valid_charge_amount(policy, 1'000'001));
  EXPECT_FALSE(is_valid_charge_amount(policy, -1));
  EXPECT_FALSE(is_valid_charge_amount(policy, kMin));
  EXPECT_FALSE(is_valid_charge_amount(policy, kMax));
}

TEST(ChargeAmount, FollowsPolicy) {
  PointPolicy policy{10, 100};
  EXPECT_TRUE(is_valid_charge_amount(policy, 10));
  EXPECT_FALSE(is_valid_charge_amount(policy, 11));
}

TEST(ChargeFits, Edges) {
  PointPolicy policy;
  EXPECT_TRUE(charge_fits(policy, 0, 0));
  EXPECT_TRUE(charge_fits(policy, 0, 1));
  EXPECT_TRUE(charge_fits(policy, 0, 100'000'000));
  EXPECT_FALSE(charge_fits(policy, 0, 100'000'001));
  EXPECT_TRUE(charge_fits(policy, 99'999'999, 1));
  EXPECT_FALSE(charge_fits(policy, 99'999'999, 2));
  EXPECT_TRUE(charge_fits(policy, 100'000'000, 0));
  EXPECT_FALSE(charge_fits(policy, 100'000'000, 1));
  EXPECT_TRUE(charge_fits(policy, 50'000'000, 50'000'000));
}

TEST(ChargeFits, NoOverflowForExtremeInputs) {
  PointPolicy policy;
  EXPECT_FALSE(charge_fits(policy, 0, kMax));
  EXPECT_FALSE(charge_fits(policy, 1, kMax));
  EXPECT_FALSE(charge_fits(policy, 100'000'000, kMax));
  EXPECT_FALSE(charge_fits(policy, kMax, 1));
  EXPECT_FALSE(charge_fits(policy, kMax, kMax));
  EXPECT_FALSE(charge_fits(policy, kMax, 0));

  PointPolicy huge{kMax, kMax};
  EXPECT_TRUE(charge_fits(huge, 0, kMax));
  EXPECT_TRUE(charge_fits(huge, kMax, 0));
  EXPECT_TRUE(charge_fits(huge, kMax - 1, 1));
  EXPECT_FALSE(charge_fits(huge, kMax, 1));
  EXPECT_FALSE(charge_fits(huge, 1, kMax));
  EXPECT_FALSE(charge_fits(huge, kMax, kMax));
}

TEST(ChargeFits, RejectsNegativeInputs) {
  PointPolicy policy;
  EXPECT_FALSE(charge_fits(policy, -1, 1));
  EXPECT_FALSE(charge_fits(policy, 10, -1));
  EXPECT_FALSE(charge_fits(policy, 10, kMin));
  EXPECT_FALSE(charge_fits(policy, kMin, 10));
  PointPolicy huge{kMax, kMax};
  EXPECT_FALSE(charge_fits(huge, 0, kMin));
}

}  // namespace
