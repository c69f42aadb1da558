#include "orders/order_errors.hpp"

#include <fmt/format.h>

namespace orders {

http::ApiError order_not_found(std::int64_t order_id) {
  return http::ApiError::not_found("ORDER_NOT_FOUND",
                                   fmt::format("order {} does not exist", order_id));
}

http::ApiError order_not_payable(std::int64_t order_id) {
  return http::ApiError::conflict("ORDER_NOT_PAYABLE",
                                  fmt::format("order {} is no longer awaiting payment", order_id));
}

}  // namespace orders
