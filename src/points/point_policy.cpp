#include "points/point_policy.hpp"

namespace points {

bool is_valid_charge_amount(const PointPolicy& policy, std::int64_t amount) {
  return amount >= 1 && amount <= policy.max_charge;
}

bool charge_fits(const PointPolicy& policy, std::int64_t balance, std::int64_t amount) {
  return amount >= 0 && balance >= 0 && balance <= policy.max_balance - amount;
}

}  // namespace points
