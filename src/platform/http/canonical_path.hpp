#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace http {

// The one spelling of a request path that routing, the rate limit and authentication all
// see, so no policy can be dodged by writing the same path another way.
//
// From the encoded path of an origin-form target ("/api//v1/./%70roducts/1"), without its
// query: each segment percent-decoded; empty segments ("//", a trailing "/") and "." are
// dropped. The result is "/" or "/" followed by segments joined with "/", e.g.
// "/api/v1/products/1".
//
// Empty (the server answers 404 before any other check) when the path cannot name a route:
// it does not start with "/", has a malformed percent escape, decodes to a "/" or a NUL
// inside a segment ("%2F", "%00"), or has a ".." segment (also "%2E%2E"). Clients resolve
// ".." before they send a request (RFC 3986 section 5.2.4); one that arrives is a probe,
// and refusing it keeps every path from climbing out of where it points.
std::optional<std::string> canonical_path(std::string_view encoded_path);

}  // namespace http
