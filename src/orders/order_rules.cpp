#include "orders/order_rules.hpp"

#include <algorithm>
#include <map>

namespace orders {

MergedLines merge_lines(std::span<const OrderLine> lines) {
  std::map<std::int64_t, std::int64_t> merged;
  for (const auto& line : lines) {
    auto& quantity = merged[line.product_id];
    // Saturate instead of overflowing: anything above the limit is rejected anyway.
    quantity = std::min(quantity + line.quantity, kMaxLineQuantity + 1);
  }
  MergedLines out;
  for (const auto& [product_id, quantity] : merged) {
    if (quantity > kMaxLineQuantity && !out.over_limit_id) out.over_limit_id = product_id;
    out.lines.push_back({product_id, quantity});
  }
  return out;
}

std::optional<OrderStatus> parse_status(std::string_view text) {
  if (text == "NOT_PAID") return OrderStatus::not_paid;
  if (text == "PAID") return OrderStatus::paid;
  if (text == "EXPIRED") return OrderStatus::expired;
  if (text == "CANCELLED") return OrderStatus::cancelled;
  return std::nullopt;
}

std::string_view to_string(OrderStatus status) {
  switch (status) {
    case OrderStatus::not_paid:
      return "NOT_PAID";
    case OrderStatus::paid:
      return "PAID";
    case OrderStatus::expired:
      return "EXPIRED";
    case OrderStatus::cancelled:
      return "CANCELLED";
  }
  return "UNKNOWN";
}

bool can_transition(OrderStatus from, OrderStatus to) {
  return from == OrderStatus::not_paid && to != OrderStatus::not_paid;
}

bool releases_reservation(OrderStatus to) {
  return to == OrderStatus::expired || to == OrderStatus::cancelled;
}

}  // namespace orders
