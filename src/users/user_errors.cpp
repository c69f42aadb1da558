#include "users/user_errors.hpp"

#include <fmt/format.h>

namespace users {

http::ApiError user_not_found(std::int64_t user_id) {
  return http::ApiError::not_found("USER_NOT_FOUND",
                                   fmt::format("user {} does not exist", user_id));
}

}  // namespace users
