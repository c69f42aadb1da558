// The JSON request readers: any body either yields values that obey each reader's
// promise, or is refused with a 4xx ApiError (never another exception, never a crash).
// The first input byte picks the Content-Type; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"

namespace {

// Field names the handlers use, plus one that is never present.
constexpr std::string_view kFields[] = {"userId",    "amount",        "items",       "name",
                                        "productId", "quantity",      "userCouponId", "delta",
                                        "price",     "issueStartsAt", "validDays",   "absent"};

void check_4xx(const http::ApiError& error) {
  if (error.status() < 400 || error.status() > 499) std::abort();
}

// Runs one reader; an ApiError is the only acceptable refusal.
template <typename Reader>
void attempt(Reader&& reader) {
  try {
    reader();
  } catch (const http::ApiError& error) {
    check_4xx(error);
  }
}

void read_fields(const boost::json::object& body) {
  for (auto field : kFields) {
    attempt([&] { json_input::required_int(body, field); });
    attempt([&] { json_input::optional_int(body, field); });
    attempt([&] {
      if (json_input::required_id(body, field) <= 0) std::abort();
    });
    attempt([&] {
      auto id = json_input::optional_id(body, field);
      if (id && *id <= 0) std::abort();
    });
    attempt([&] { json_input::required_string(body, field); });
    attempt([&] { json_input::optional_string(body, field); });
    attempt([&] {
      auto text = json_input::required_text(body, field, 50);
      auto length = json_input::utf8_length(text);
      if (length == 0 || length > 50) std::abort();
    });
    attempt([&] {
      if (!json_input::is_rfc3339_timestamp(json_input::required_timestamp(body, field))) {
        std::abort();
      }
    });
    attempt([&] {
      // Order lines are objects read with the same readers.
      for (const auto& line : json_input::required_array(body, field)) {
        if (line.is_object()) read_fields(line.get_object());
      }
    });
  }
}

// parse_int accepts exactly an optional '-' and decimal digits that fit in 64 bits.
void check_parse_int(std::string_view text) {
  auto value = json_input::parse_int(text);
  if (!value) return;
  auto digits = text.front() == '-' ? text.substr(1) : text;
  if (digits.empty()) std::abort();
  for (char c : digits) {
    if (c < '0' || c > '9') std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::string_view kContentTypes[] = {"application/json", "Application/JSON; charset=utf-8",
                                                "text/plain", ""};
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_parse_int(text);
  json_input::is_rfc3339_timestamp(text);
  json_input::utf8_length(text);

  http::Request request;
  request.method = http::Method::post;
  request.headers.emplace_back("Content-Type", kContentTypes[data[0] % 4]);
  request.body = text;
  try {
    auto body = json_input::parse_object_body(request);
    read_fields(body);
  } catch (const http::ApiError& error) {
    check_4xx(error);
  }
  return 0;
}
