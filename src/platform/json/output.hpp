#pragma once

#include <cstdint>

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace json_output {

// The contract writes absent optional values as JSON null, never by omitting the field.
template <typename T>
boost::json::value or_null(const std::optional<T>& value) {
  if (value) return boost::json::value(*value);
  return nullptr;
}

// Appends `text` as a JSON string (quotes included), escaped as boost::json::serialize
// escapes it, without building a json::value: for hot answers rendered straight into a
// string. `text` must be valid UTF-8 (as every stored text is: it arrived as JSON).
void append_string(std::string& out, std::string_view text);

// Appends `value` in decimal (fmt::format_int: no format string to parse, no iterator
// buffer), for the same hot answers.
void append_int(std::string& out, std::int64_t value);

}  // namespace json_output
