#pragma once

#include <variant>

#include <boost/json/object.hpp>

#include "platform/http/api_error.hpp"

namespace http {
struct Request;
}

namespace json_input {

// A request's body read as one JSON object, kept on the request (Request::object_body) so
// that it is parsed at most once: the request policy reads it for the body's userId, the
// handler takes it (parse_object_body). Only read_object_body fills it, with every check a
// JSON body gets, so no path can be handed a body that skipped one. (The request policy
// used to keep a parse of its own, which skipped the NUL check.)
class ObjectBody {
 public:
  // Whether read_object_body ran on this request.
  bool was_read() const { return !std::holds_alternative<std::monostate>(state_); }
  // The object, or null when the body was refused (or not read yet).
  const boost::json::object* object() const { return std::get_if<boost::json::object>(&state_); }
  // Why the body was refused, or null.
  const http::ApiError* refusal() const { return std::get_if<http::ApiError>(&state_); }

 private:
  friend const ObjectBody& read_object_body(http::Request& request);
  friend boost::json::object parse_object_body(http::Request& request);

  std::variant<std::monostate, boost::json::object, http::ApiError> state_;
};

// The request's body as a JSON object, read on the first call only: refused with 415
// UNSUPPORTED_MEDIA_TYPE without a JSON Content-Type, 400 INVALID_REQUEST when empty,
// malformed, not an object, or holding a NUL in any string or key.
const ObjectBody& read_object_body(http::Request& request);

// The body as a JSON object, moved out of the request (read first if nobody read it yet), or
// the refusal thrown as ApiError. A second call reads the body again.
boost::json::object parse_object_body(http::Request& request);

}  // namespace json_input
