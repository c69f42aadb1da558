#pragma once

#include <cstdint>

namespace points {

// The point (balance) rules: a charge is 1..max_charge won; the balance stays within
// 0..max_balance. Plain data and functions so the rules are testable without a database.
struct PointPolicy {
  std::int64_t max_charge = 1'000'000;
  std::int64_t max_balance = 100'000'000;
};

bool is_valid_charge_amount(const PointPolicy& policy, std::int64_t amount);

// Whether balance + amount stays within the maximum (no overflow for any inputs).
bool charge_fits(const PointPolicy& policy, std::int64_t balance, std::int64_t amount);

}  // namespace points
