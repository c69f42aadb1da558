#pragma once

#include <cstdint>

#include "platform/http/api_error.hpp"

namespace users {

// The contract's answer for any endpoint naming a user that does not exist.
http::ApiError user_not_found(std::int64_t user_id);

}  // namespace users
