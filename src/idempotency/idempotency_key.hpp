#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "platform/http/message.hpp"

namespace idempotency {

// The contract's key format: 1..255 printable ASCII characters.
bool is_valid_key(std::string_view key);

// The request's Idempotency-Key, nullopt when the header is absent. Throws ApiError
// INVALID_REQUEST (400) when it is present but malformed.
std::optional<std::string_view> key_of(const http::Request& request);

// Whose key it is: the token's user with authentication on, else the request's userId.
// Keys are scoped by it, so two users' equal keys never meet.
std::int64_t owner_of(const http::Caller& caller, std::int64_t request_user_id);

}  // namespace idempotency
