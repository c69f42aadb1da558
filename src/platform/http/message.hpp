#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/json/object_body.hpp"

namespace http {

enum class Method { get, post, put, patch, del, head, options, other };

std::string_view method_name(Method method);

// Who sent a request, as the request policy found out from its Authorization header.
struct Caller {
  enum class Credential {
    unknown,      // not looked at (yet)
    none,         // no bearer token
    invalid,      // a bearer token that is neither the admin token nor a valid JWT
    admin_token,  // the ADMIN_TOKEN
    jwt,          // a valid JWT
  };
  Credential credential = Credential::unknown;
  std::optional<std::int64_t> user_id;  // the JWT's user
  bool admin = false;
};

// What a handler sees of a request: plain data, no Beast types, so handler files stay
// cheap to compile. Views point into the server's buffers and live until the response.
struct Request {
  Method method = Method::get;
  std::string path;  // canonical (see canonical_path): percent-decoded, no "//", "." or ".."
  // The matched route's pattern, e.g. "/api/v1/orders/{id}"; empty when no route matched.
  std::string_view route;
  std::vector<std::pair<std::string, std::string>> query;        // decoded, in order
  std::vector<std::pair<std::string_view, std::string>> params;  // from the route pattern
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
  std::string_view request_id;
  // The peer's address as IPv6 bytes (IPv4 mapped into ::ffff:0:0/96).
  std::array<std::uint8_t, 16> peer_address{};
  // The authenticated caller. On a route with Access::user and user authentication on, the
  // request policy has already checked that caller.user_id is the request's userId.
  Caller caller;
  // The body read as a JSON object, once (json_input::read_object_body): the request policy
  // reads its userId, the first json_input::parse_object_body takes it without parsing again.
  json_input::ObjectBody object_body;

  // First value of a query parameter, or nullptr.
  const std::string* query_param(std::string_view name) const;
  const std::string* path_param(std::string_view name) const;
  // Case-insensitive header lookup; empty when absent.
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, std::string body) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }
};

std::string_view status_title(int status);

// The contract's problem+json document for an error.
Response problem(int status, std::string_view code, std::string_view detail);

}  // namespace http
