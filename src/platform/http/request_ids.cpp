#include "platform/http/request_ids.hpp"

#include <cctype>

#include <fmt/format.h>

namespace http {

namespace {

// Client-supplied request ids are echoed only when they are short and plain.
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string RequestIds::make(std::string_view supplied) {
  if (acceptable_request_id(supplied)) return std::string(supplied);
  return fmt::format("{:08x}-{:x}", prefix_,
                     next_number_.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace http
