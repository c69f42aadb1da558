#pragma once

#include <cstdint>

#include "platform/http/api_error.hpp"

namespace orders {

// The contract's answers for an order that does not exist (or is not the user's) and for
// one that no longer awaits payment; shared by the order and the payment endpoints.
http::ApiError order_not_found(std::int64_t order_id);
http::ApiError order_not_payable(std::int64_t order_id);

}  // namespace orders
