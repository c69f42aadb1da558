#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace http {

// The one spelling of a request path that routing, the rate limit and authentication all
// see, so no policy can be dodged by writing the same path another way.
//
// From the encoded path of an origin-form target ("/api//v1/./%70roducts/1"), without its
// query: each segment percent-decoded; empty segments ("//", a trailing "/") and "."
// dropped; ".." removes the segment before it (never above the root, as RFC 3986's
// remove_dot_segments). The result is "/" or "/" followed by segments joined with "/", e.g.
// "/api/v1/products/1".
//
// Empty when the path cannot name a route: it does not start with "/", has a malformed
// percent escape, or decodes to a "/" or a NUL inside a segment ("%2F", "%00"). No route has
// either, and resolving them would make two different paths one.
std::optional<std::string> canonical_path(std::string_view encoded_path);

}  // namespace http
