#include "platform/json/input.hpp"

#include <cctype>
#include <charconv>
#include <limits>

#include <fmt/format.h>
#include <boost/json/value.hpp>

#include "platform/http/api_error.hpp"

namespace json_input {

using http::ApiError;

namespace {

constexpr std::int64_t kMaxPage = 10'000'000;  // keeps page * size far from overflow

const boost::json::value& require_field(const boost::json::object& body, std::string_view field) {
  auto found = body.find(field);
  if (found == body.end() || found->value().is_null()) {
    throw ApiError::invalid_request(fmt::format("'{}' is required", field));
  }
  return found->value();
}

std::int64_t as_int(const boost::json::value& value, std::string_view field) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    throw ApiError::invalid_request(fmt::format("'{}' is outside the 64-bit integer range", field));
  }
  throw ApiError::invalid_request(fmt::format("'{}' must be an integer", field));
}

std::int64_t as_id(std::int64_t value, std::string_view field) {
  if (value <= 0) throw ApiError::invalid_request(fmt::format("'{}' must be a positive id", field));
  return value;
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  auto media = content_type.substr(0, semicolon);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view expected = "application/json";
  if (media.size() != expected.size()) return false;
  for (std::size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != expected[i]) return false;
  }
  return true;
}

std::int64_t required_int(const boost::json::object& body, std::string_view field) {
  return as_int(require_field(body, field), field);
}

std::optional<std::int64_t> optional_int(const boost::json::object& body, std::string_view field) {
  auto found = body.find(field);
  if (found == body.end() || found->value().is_null()) return std::nullopt;
  return as_int(found->value(), field);
}

std::int64_t required_id(const boost::json::object& body, std::string_view field) {
  return as_id(required_int(body, field), field);
}

std::optional<std::int64_t> optional_id(const boost::json::object& body, std::string_view field) {
  auto value = optional_int(body, field);
  if (value) as_id(*value, field);
  return value;
}

std::string required_string(const boost::json::object& body, std::string_view field) {
  const auto& value = require_field(body, field);
  if (!value.is_string())
    throw ApiError::invalid_request(fmt::format("'{}' must be a string", field));
  return std::string(value.get_string());
}

std::size_t utf8_length(std::string_view utf8) {
  // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
  std::size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

std::string required_text(const boost::json::object& body, std::string_view field,
                          std::size_t max_chars) {
  auto text = required_string(body, field);
  auto length = utf8_length(text);
  if (length == 0 || length > max_chars) {
    throw ApiError::invalid_request(
        fmt::format("'{}' must be 1 to {} characters", field, max_chars));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw ApiError::invalid_request(fmt::format("'{}' must not be blank", field));
  }
  return text;
}

std::optional<std::string> optional_string(const boost::json::object& body,
                                           std::string_view field) {
  auto found = body.find(field);
  if (found == body.end() || found->value().is_null()) return std::nullopt;
  if (!found->value().is_string()) {
    throw ApiError::invalid_request(fmt::format("'{}' must be a string", field));
  }
  return std::string(found->value().get_string());
}

bool is_rfc3339_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM); ranges are left to PostgreSQL,
  // which rejects impossible dates, but the shape must be exactly this.
  auto digits = [&](std::size_t at, std::size_t count) {
    if (at + count > text.size()) return false;
    for (std::size_t i = at; i < at + count; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
  };
  auto is = [&](std::size_t at, char c) { return at < text.size() && text[at] == c; };
  if (!(digits(0, 4) && is(4, '-') && digits(5, 2) && is(7, '-') && digits(8, 2) &&
        (is(10, 'T') || is(10, 't')) && digits(11, 2) && is(13, ':') && digits(14, 2) &&
        is(16, ':') && digits(17, 2))) {
    return false;
  }
  std::size_t at = 19;
  if (is(at, '.')) {
    std::size_t start = ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    if (at == start || at - start > 9) return false;
  }
  if ((is(at, 'Z') || is(at, 'z')) && at + 1 == text.size()) return true;
  return (is(at, '+') || is(at, '-')) && digits(at + 1, 2) && is(at + 3, ':') &&
         digits(at + 4, 2) && at + 6 == text.size();
}

std::string required_timestamp(const boost::json::object& body, std::string_view field) {
  auto text = required_string(body, field);
  if (!is_rfc3339_timestamp(text)) {
    throw ApiError::invalid_request(fmt::format(
        "'{}' must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T18:05:00+09:00",
        field));
  }
  return text;
}

const boost::json::array& required_array(const boost::json::object& body, std::string_view field) {
  const auto& value = require_field(body, field);
  if (!value.is_array())
    throw ApiError::invalid_request(fmt::format("'{}' must be an array", field));
  return value.get_array();
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (text.empty() || text.front() == '+') return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::int64_t query_id(const http::Request& request, std::string_view name) {
  const std::string* raw = request.query_param(name);
  if (raw == nullptr)
    throw ApiError::invalid_request(fmt::format("query parameter '{}' is required", name));
  auto value = parse_int(*raw);
  if (!value || *value <= 0) {
    throw ApiError::invalid_request(
        fmt::format("query parameter '{}' must be a positive id", name));
  }
  return *value;
}

std::int64_t path_id(const http::Request& request, std::string_view name) {
  const std::string* raw = request.path_param(name);
  auto value = raw ? parse_int(*raw) : std::nullopt;
  if (!value || *value <= 0)
    throw ApiError::invalid_request(fmt::format("'{}' must be a positive id", name));
  return *value;
}

PageRequest query_page(const http::Request& request) {
  PageRequest page;
  if (const std::string* raw = request.query_param("page")) {
    auto value = parse_int(*raw);
    if (!value || *value < 0 || *value > kMaxPage) {
      throw ApiError::invalid_request("'page' must be an integer from 0");
    }
    page.page = *value;
  }
  if (const std::string* raw = request.query_param("size")) {
    auto value = parse_int(*raw);
    if (!value || *value < 1 || *value > 100) {
      throw ApiError::invalid_request("'size' must be an integer from 1 to 100");
    }
    page.size = *value;
  }
  return page;
}

}  // namespace json_input
