#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "platform/http/message.hpp"

namespace http {

// 1xx, 204 and 304 answers have no body and no Content-Length.
constexpr bool is_bodiless(int status) {
  return status < 200 || status == 204 || status == 304;
}

// The status line and headers of `response`, up to and including the blank line. `version`
// is the request's (10 or 11); `keep_open` whether the connection stays open after it.
std::string response_head(const Response& response, std::string_view request_id, bool keep_open,
                          unsigned version);

// Writes `response` within `write_timeout`; on failure the socket is closed.
boost::asio::awaitable<void> write_response(boost::beast::tcp_stream& stream, Response response,
                                            std::string_view request_id, bool keep_open,
                                            unsigned version, std::chrono::seconds write_timeout);

}  // namespace http
