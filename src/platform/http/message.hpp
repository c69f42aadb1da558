#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

enum class Method { get, post, put, patch, del, head, options, other };

std::string_view method_name(Method method);

// What a handler sees of a request: plain data, no Beast types, so handler files stay
// cheap to compile. Views point into the server's buffers and live until the response.
struct Request {
  Method method = Method::get;
  std::string path;                                              // percent-decoded
  std::string_view route;  // the matched route's pattern, e.g. "/api/v1/orders/{id}"
  std::vector<std::pair<std::string, std::string>> query;        // decoded, in order
  std::vector<std::pair<std::string_view, std::string>> params;  // from the route pattern
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
  std::string_view request_id;

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
