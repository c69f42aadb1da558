#include "platform/http/response_writer.hpp"

#include <array>
#include <iterator>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

namespace http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

// The head is written by hand and sent with the body in one gathered write: Beast's
// serializer (buffers_cat views over the fields) was the largest single cost left on the
// /health path. Header names and values come from this code, never from a client.
std::string response_head(const Response& response, std::string_view request_id, bool keep_open,
                          unsigned version) {
  std::string head;
  head.reserve(192 + response.headers.size() * 48);
  const auto status = static_cast<bhttp::status>(response.status);
  fmt::format_to(std::back_inserter(head), "HTTP/1.{} {} {}\r\nContent-Type: {}\r\n",
                 version == 10 ? 0 : 1, response.status, bhttp::obsolete_reason(status),
                 response.content_type);
  fmt::format_to(std::back_inserter(head), "X-Request-Id: {}\r\n", request_id);
  for (const auto& [name, value] : response.headers) {
    fmt::format_to(std::back_inserter(head), "{}: {}\r\n", name, value);
  }
  // HTTP/1.1 stays open unless told otherwise; HTTP/1.0 closes unless told otherwise.
  if (version >= 11 && !keep_open) head += "Connection: close\r\n";
  if (version < 11 && keep_open) head += "Connection: keep-alive\r\n";
  if (!is_bodiless(response.status)) {
    fmt::format_to(std::back_inserter(head), "Content-Length: {}\r\n", response.body.size());
  }
  head += "\r\n";
  return head;
}

asio::awaitable<void> write_response(boost::beast::tcp_stream& stream, Response response,
                                     std::string_view request_id, bool keep_open, unsigned version,
                                     std::chrono::seconds write_timeout) {
  const std::string head = response_head(response, request_id, keep_open, version);
  const std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head),
      is_bodiless(response.status) ? asio::const_buffer() : asio::buffer(response.body)};
  stream.expires_after(write_timeout);
  auto [ec, written] =
      co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    boost::system::error_code ignored;
    stream.socket().close(ignored);
  }
}

}  // namespace http
