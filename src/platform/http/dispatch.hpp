#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "platform/http/message.hpp"
#include "platform/http/router.hpp"
#include "platform/http/server.hpp"

namespace http {

// The metrics label of requests no route took (404, 405, unreadable).
constexpr std::string_view kUnmatchedRoute = "unmatched";

// The answer to one whole request: its target checked and made canonical, routed, its
// caller admitted and authorized (rate limits, authentication, the route's Access rule), its
// body's media type checked, its handler called, and what the handler threw turned into an
// answer (error_answer). `route` is set to the matched route's pattern; it is left as it was
// when no route applied.
boost::asio::awaitable<Response> dispatch(
    const Router& router, const ServerOptions& options,
    const std::array<std::uint8_t, 16>& peer_address,
    boost::beast::http::request<boost::beast::http::string_body>& message,
    const std::string& request_id, std::string_view& route);

}  // namespace http
