#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace coupons {

enum class DiscountType { fixed, rate };

std::optional<DiscountType> parse_discount_type(std::string_view text);
std::string_view to_string(DiscountType type);

// Whether a discount value is allowed for its type: FIXED >= 1 won, RATE 1..100 percent.
bool is_valid_discount(DiscountType type, std::int64_t value);

// The discount on an order total: FIXED takes `value` won off but never below 0;
// RATE takes floor(total * value / 100).
std::int64_t discount_for(std::int64_t total, DiscountType type, std::int64_t value);

}  // namespace coupons
