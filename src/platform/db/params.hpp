#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace db {

// Text-format statement parameters. Values are copied so a Params can outlive its sources
// across co_await points.
class Params {
 public:
  Params() = default;
  template <typename... Args>
  explicit Params(const Args&... args) {
    values_.reserve(sizeof...(args));
    (add(args), ...);
  }

  Params& add(std::int64_t value) {
    std::array<char, 24> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    (void)ec;
    values_.emplace_back(std::string(buffer.data(), end));
    return *this;
  }
  Params& add(int value) { return add(static_cast<std::int64_t>(value)); }
  Params& add(bool value) {
    values_.emplace_back(value ? "t" : "f");
    return *this;
  }
  Params& add(std::string_view value) {
    values_.emplace_back(std::string(value));
    return *this;
  }
  Params& add(const std::string& value) { return add(std::string_view(value)); }
  Params& add(const char* value) { return add(std::string_view(value)); }
  // A bigint[] parameter in PostgreSQL's array text form.
  Params& add(const std::vector<std::int64_t>& values) {
    std::string text = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) text += ',';
      text += std::to_string(values[i]);
    }
    text += '}';
    values_.emplace_back(std::move(text));
    return *this;
  }
  Params& add(std::nullopt_t) {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  template <typename T>
  Params& add(const std::optional<T>& value) {
    if (value) return add(*value);
    return add(std::nullopt);
  }

  int size() const { return static_cast<int>(values_.size()); }

  // Pointers valid until the next add().
  std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& value : values_) out.push_back(value ? value->c_str() : nullptr);
    return out;
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

// A named prepared statement, declared beside the code that runs it. Each connection
// prepares it on first use.
struct Statement {
  const char* name;
  const char* sql;
};

}  // namespace db
