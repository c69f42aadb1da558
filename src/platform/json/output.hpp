#pragma once

#include <optional>

#include <boost/json/value.hpp>

namespace json_output {

// The contract writes absent optional values as JSON null, never by omitting the field.
template <typename T>
boost::json::value or_null(const std::optional<T>& value) {
  if (value) return boost::json::value(*value);
  return nullptr;
}

}  // namespace json_output
