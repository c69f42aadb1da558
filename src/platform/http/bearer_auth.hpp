#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "platform/http/router.hpp"

namespace http {

// Whether an Authorization header value is "Bearer <token>". The comparison takes the same
// time wherever the first difference is, so response timing does not leak the token.
bool bearer_matches(std::string_view authorization, std::string_view token);

// Wraps a handler so it answers 401 UNAUTHORIZED unless the request carries the token.
Handler require_bearer(std::string token, Handler handler);

}  // namespace http
