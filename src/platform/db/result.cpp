#include "platform/db/result.hpp"

#include <charconv>
#include <stdexcept>

namespace db {

std::int64_t Result::int64(int row, int column) const {
  auto value = text(row, column);
  std::int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc{} || end != value.data() + value.size()) {
    throw std::runtime_error("column is not a 64-bit integer: " + std::string(value));
  }
  return parsed;
}

}  // namespace db
