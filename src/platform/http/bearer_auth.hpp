#pragma once

#include <string>
#include <string_view>

namespace http {

// Whether an Authorization header value is "Bearer <token>". The comparison takes the same
// time wherever the first difference is, so response timing does not leak the token.
bool bearer_matches(std::string_view authorization, std::string_view token);

// The token of "Bearer <token>" (scheme case-insensitive, spaces after it skipped), or empty.
std::string_view bearer_token(std::string_view authorization);

}  // namespace http
