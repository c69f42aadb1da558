#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace orders {

inline constexpr std::size_t kMaxLines = 50;
inline constexpr std::int64_t kMaxLineQuantity = 1000;

struct OrderLine {
  std::int64_t product_id;
  std::int64_t quantity;
};

struct MergedLines {
  std::vector<OrderLine> lines;               // one per product, ascending product id
  std::optional<std::int64_t> over_limit_id;  // a merged line above kMaxLineQuantity
};

// Merges lines of the same product and sorts by product id, the order in which stock rows
// are locked (a fixed order, so concurrent orders cannot deadlock). Quantities must be >= 1.
MergedLines merge_lines(std::span<const OrderLine> lines);

enum class OrderStatus { not_paid, paid, expired, cancelled };

std::optional<OrderStatus> parse_status(std::string_view text);
std::string_view to_string(OrderStatus status);

// NOT_PAID -> PAID | EXPIRED | CANCELLED; every other state is final.
bool can_transition(OrderStatus from, OrderStatus to);
// Leaving NOT_PAID for anything but PAID gives the stock and the coupon back.
bool releases_reservation(OrderStatus to);

}  // namespace orders
