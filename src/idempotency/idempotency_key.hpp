#pragma once

#include <optional>
#include <string_view>

#include "platform/http/message.hpp"

namespace idempotency {

// The contract's key format: 1..255 printable ASCII characters.
bool is_valid_key(std::string_view key);

// The request's Idempotency-Key, nullopt when the header is absent. Throws ApiError
// INVALID_REQUEST (400) when it is present but malformed.
std::optional<std::string_view> key_of(const http::Request& request);

}  // namespace idempotency
