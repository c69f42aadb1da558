#include "platform/json/object_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "platform/http/message.hpp"
#include "platform/json/input.hpp"

namespace json_input {

using http::ApiError;

namespace {

// PostgreSQL text cannot hold U+0000, and libpq passes text parameters as C strings, so a
// NUL would silently cut a value short: it is refused wherever it appears, keys included.
bool holds_nul(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::string:
      return value.get_string().find('\0') != boost::json::string::npos;
    case boost::json::kind::array:
      for (const auto& item : value.get_array()) {
        if (holds_nul(item)) return true;
      }
      return false;
    case boost::json::kind::object:
      for (const auto& member : value.get_object()) {
        if (member.key().find('\0') != std::string_view::npos || holds_nul(member.value())) {
          return true;
        }
      }
      return false;
    default:
      return false;
  }
}

// The body's object, or the ApiError that refuses it (returned, not thrown: a refusal is
// thrown once, by parse_object_body, as before the body was kept on the request).
std::variant<boost::json::object, ApiError> checked_object(const http::Request& request) {
  if (!is_json_media_type(request.header("Content-Type"))) {
    return ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
  }
  if (request.body.empty()) return ApiError::invalid_request("a JSON body is required");
  boost::system::error_code ec;
  auto value = boost::json::parse(request.body, ec);
  if (ec) return ApiError::invalid_request("the body is not valid JSON: " + ec.message());
  if (!value.is_object()) return ApiError::invalid_request("the body must be a JSON object");
  if (holds_nul(value)) {
    return ApiError::invalid_request("JSON strings must not contain NUL (\\u0000) characters");
  }
  return std::move(value.as_object());
}

}  // namespace

const ObjectBody& read_object_body(http::Request& request) {
  ObjectBody& memo = request.object_body;
  if (memo.was_read()) return memo;
  std::visit([&memo](auto&& checked) { memo.state_ = std::move(checked); },
             checked_object(request));
  return memo;
}

boost::json::object parse_object_body(http::Request& request) {
  ObjectBody& memo = request.object_body;
  read_object_body(request);
  if (const auto* refusal = memo.refusal()) throw *refusal;
  auto object = std::move(std::get<boost::json::object>(memo.state_));
  memo.state_ = std::monostate{};
  return object;
}

}  // namespace json_input
