#pragma once

#include <stdexcept>
#include <string>

namespace http {

// An error with a stable machine-readable code, rendered as application/problem+json.
// Handlers throw it for every expected failure; the server turns it into the response.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string detail)
      : std::runtime_error(detail), status_(status), code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  std::string detail() const { return what(); }

  static ApiError invalid_request(std::string detail) {
    return {400, "INVALID_REQUEST", std::move(detail)};
  }
  static ApiError invalid_amount(std::string detail) {
    return {400, "INVALID_AMOUNT", std::move(detail)};
  }
  static ApiError not_found(std::string code, std::string detail) {
    return {404, std::move(code), std::move(detail)};
  }
  static ApiError conflict(std::string code, std::string detail) {
    return {409, std::move(code), std::move(detail)};
  }

 private:
  int status_;
  std::string code_;
};

}  // namespace http
