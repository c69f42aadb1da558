// Idempotency-Key: the header lookup and the key format (1..255 printable ASCII characters).
// Input: header lines "name:value" separated by '\n'; the parser must either return one of
// the values, valid by the contract's rule, or refuse with 400 INVALID_REQUEST.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "idempotency/idempotency_key.hpp"
#include "platform/http/api_error.hpp"

namespace {

bool contract_valid(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (idempotency::is_valid_key(input) != contract_valid(input)) std::abort();

  http::Request request;
  std::size_t start = 0;
  while (start <= input.size()) {
    auto end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const auto line = input.substr(start, end - start);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    start = end + 1;
  }
  try {
    const auto key = idempotency::key_of(request);
    if (key && !contract_valid(*key)) std::abort();
    if (key) {
      // The returned view is one of the header values, not a copy or a slice.
      bool found = false;
      for (const auto& header : request.headers) found |= header.second.data() == key->data();
      if (!found) std::abort();
    }
  } catch (const http::ApiError& error) {
    if (error.status() != 400 || error.code() != "INVALID_REQUEST") std::abort();
  }
  return 0;
}
