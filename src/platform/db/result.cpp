#include "platform/db/result.hpp"

#include <charconv>
#include <stdexcept>
#include <unordered_map>

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

std::vector<std::optional<int>> Result::rows_for(const std::vector<std::int64_t>& keys,
                                                 int key_column) const {
  std::unordered_map<std::int64_t, int> row_of;
  row_of.reserve(static_cast<std::size_t>(rows()));
  for (int row = 0; row < rows(); ++row) row_of.emplace(int64(row, key_column), row);
  std::vector<std::optional<int>> found(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (auto at = row_of.find(keys[i]); at != row_of.end()) found[i] = at->second;
  }
  return found;
}

std::vector<std::int64_t> Result::int64_array(int row, int column) const {
  if (is_null(row, column)) return {};
  return parse_int64_array(text(row, column));
}

std::vector<std::int64_t> parse_int64_array(std::string_view text) {
  const auto fail = [&text]() -> std::runtime_error {
    return std::runtime_error("column is not a bigint[]: " + std::string(text.substr(0, 64)));
  };
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') throw fail();
  std::vector<std::int64_t> values;
  const char* at = text.data() + 1;
  const char* const end = text.data() + text.size() - 1;
  if (at == end) return values;
  while (true) {
    std::int64_t value = 0;
    auto [next, ec] = std::from_chars(at, end, value);
    if (ec != std::errc{}) throw fail();
    values.push_back(value);
    if (next == end) return values;
    if (*next != ',') throw fail();
    at = next + 1;
  }
}

}  // namespace db
