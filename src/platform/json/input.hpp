#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "platform/http/message.hpp"
#include "platform/json/object_body.hpp"  // parse_object_body: the body as a JSON object

// Reading client input the way the contract wants it: wrong shape or type is 400
// INVALID_REQUEST; a JSON number must be an integer token inside the signed 64-bit range.
// Business ranges (INVALID_AMOUNT) are checked by the caller.
namespace json_input {

// True for "application/json", any case, with or without parameters such as charset.
bool is_json_media_type(std::string_view content_type);

std::int64_t required_int(const boost::json::object& body, std::string_view field);
std::optional<std::int64_t> optional_int(const boost::json::object& body, std::string_view field);
// A positive 64-bit id; anything else is INVALID_REQUEST.
std::int64_t required_id(const boost::json::object& body, std::string_view field);
std::optional<std::int64_t> optional_id(const boost::json::object& body, std::string_view field);
std::string required_string(const boost::json::object& body, std::string_view field);
// A string of 1..max_chars Unicode characters that is not blank, else INVALID_REQUEST.
std::string required_text(const boost::json::object& body, std::string_view field,
                          std::size_t max_chars);
std::size_t utf8_length(std::string_view utf8);
std::optional<std::string> optional_string(const boost::json::object& body, std::string_view field);
// An RFC 3339 date-time with a zone ("2026-11-23T18:05:00+09:00", "...Z", fraction allowed).
std::string required_timestamp(const boost::json::object& body, std::string_view field);
bool is_rfc3339_timestamp(std::string_view text);
// A JSON array (empty allowed), else INVALID_REQUEST.
const boost::json::array& required_array(const boost::json::object& body, std::string_view field);

// Strict decimal integer text ("-12", "42"); nullopt for anything else or out of range.
std::optional<std::int64_t> parse_int(std::string_view text);

// Ids in a query string or path: positive integers, else INVALID_REQUEST.
std::int64_t query_id(const http::Request& request, std::string_view name);
std::int64_t path_id(const http::Request& request, std::string_view name);

struct PageRequest {
  std::int64_t page = 0;
  std::int64_t size = 20;
  std::int64_t offset() const { return page * size; }
};
// `page` >= 0 and `size` 1..100 (default 20), else INVALID_REQUEST.
PageRequest query_page(const http::Request& request);

}  // namespace json_input
