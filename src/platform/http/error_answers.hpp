#pragma once

#include <exception>
#include <string_view>

#include "platform/http/message.hpp"

namespace http {

// The answer to an exception a handler let escape: an ApiError's own status and code, a
// database that is unavailable or busy 503, a write of unknown outcome 504 OUTCOME_UNKNOWN,
// anything else 500. Each but the ApiError is logged with `request_id`, which a 500 names.
Response error_answer(const std::exception& error, std::string_view request_id);

}  // namespace http
