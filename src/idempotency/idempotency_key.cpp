#include "idempotency/idempotency_key.hpp"

#include <algorithm>

#include "platform/http/api_error.hpp"

namespace idempotency {

namespace {
constexpr std::size_t kMaxKeyLength = 255;
constexpr std::string_view kHeader = "Idempotency-Key";

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}
}  // namespace

bool is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  return std::ranges::all_of(key, [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::optional<std::string_view> key_of(const http::Request& request) {
  // Request::header cannot tell an absent header from an empty one, and an empty key
  // must be rejected, so look for the field itself.
  std::optional<std::string_view> found;
  for (const auto& [name, value] : request.headers) {
    if (!equals_ignoring_case(name, kHeader)) continue;
    if (found) {
      throw http::ApiError::invalid_request("send a single Idempotency-Key header");
    }
    found = value;
  }
  if (found && !is_valid_key(*found)) {
    throw http::ApiError::invalid_request(
        "Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  return found;
}

std::int64_t owner_of(const http::Caller& caller, std::int64_t request_user_id) {
  return caller.user_id.value_or(request_user_id);
}

}  // namespace idempotency
