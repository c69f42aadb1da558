#include "coupons/discount.hpp"

#include <algorithm>

namespace coupons {

std::optional<DiscountType> parse_discount_type(std::string_view text) {
  if (text == "FIXED") return DiscountType::fixed;
  if (text == "RATE") return DiscountType::rate;
  return std::nullopt;
}

std::string_view to_string(DiscountType type) {
  return type == DiscountType::fixed ? "FIXED" : "RATE";
}

bool is_valid_discount(DiscountType type, std::int64_t value) {
  if (type == DiscountType::rate) return value >= 1 && value <= 100;
  return value >= 1;
}

std::int64_t discount_for(std::int64_t total, DiscountType type, std::int64_t value) {
  if (total <= 0 || value <= 0) return 0;
  if (type == DiscountType::fixed) return std::min(value, total);
  // Order totals are at most 50 lines x 1000 units x 100,000,000 won = 5e12, so the
  // product with a percentage stays far inside 64 bits.
  return total * std::min<std::int64_t>(value, 100) / 100;
}

}  // namespace coupons
