#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "platform/http/api_error.hpp"
#include "platform/json/input.hpp"

namespace {

using json_input::is_json_media_type;
using json_input::parse_int;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// Runs `fn`, expecting an http::ApiError with the given status and code.
template <typename Fn>
void expect_api_error(Fn&& fn, int status, std::string_view code) {
  try {
    fn();
    ADD_FAILURE() << "expected ApiError " << status << " " << code << ", nothing was thrown";
  } catch (const http::ApiError& error) {
    EXPECT_EQ(error.status(), status) << error.what();
    EXPECT_EQ(error.code(), code) << error.what();
    EXPECT_FALSE(error.detail().empty());
  }
}

template <typename Fn>
void expect_invalid_request(Fn&& fn) {
  expect_api_error(std::forward<Fn>(fn), 400, "INVALID_REQUEST");
}

boost::json::object object(std::string_view text) {
  return boost::json::parse(text).as_object();
}

http::Request json_request(std::string_view body,
                           std::string_view content_type = "application/json") {
  http::Request request;
  request.method = http::Method::post;
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  request.body = body;
  return request;
}

http::Request query(std::initializer_list<std::pair<std::string, std::string>> params) {
  http::Request request;
  for (const auto& p : params) request.query.push_back(p);
  return request;
}

// ---- is_json_media_type -------------------------------------------------------------

TEST(IsJsonMediaType, AcceptsApplicationJson) {
  EXPECT_TRUE(is_json_media_type("application/json"));
}

TEST(IsJsonMediaType, IsCaseInsensitive) {
  EXPECT_TRUE(is_json_media_type("Application/JSON"));
  EXPECT_TRUE(is_json_media_type("APPLICATION/JSON"));
}

TEST(IsJsonMediaType, AcceptsParameters) {
  EXPECT_TRUE(is_json_media_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_json_media_type("application/json;charset=UTF-8"));
  EXPECT_TRUE(is_json_media_type("application/json ; charset=utf-8"));
}

TEST(IsJsonMediaType, TrimsSurroundingWhitespace) {
  EXPECT_TRUE(is_json_media_type("  application/json  "));
  EXPECT_TRUE(is_json_media_type("\tapplication/json\t"));
}

TEST(IsJsonMediaType, RejectsOtherTypes) {
  EXPECT_FALSE(is_json_media_type(""));
  EXPECT_FALSE(is_json_media_type("text/plain"));
  EXPECT_FALSE(is_json_media_type("application/problem+json"));
  EXPECT_FALSE(is_json_media_type("application/jsonx"));
  EXPECT_FALSE(is_json_media_type("application/json-patch+json"));
  EXPECT_FALSE(is_json_media_type("text/json"));
  EXPECT_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_json_media_type("application / json"));
  EXPECT_FALSE(is_json_media_type(";application/json"));
}

// ---- parse_object_body --------------------------------------------------------------

TEST(ParseObjectBody, ParsesObject) {
  auto request = json_request(R"({"amount": 5, "name": "x"})");
  auto body = json_input::parse_object_body(request);
  EXPECT_EQ(body.at("amount").as_int64(), 5);
  EXPECT_EQ(body.at("name").as_string(), "x");
}

// PostgreSQL text cannot hold NUL and libpq would cut the value at it: refused, anywhere.
TEST(ParseObjectBody, NulInAnyStringOrKeyIsInvalidRequest) {
  for (const char* text :
       {R"({"name": "kim\u0000x"})", R"({"name": "\u0000"})", R"({"a": [{"b": "x\u0000"}]})",
        R"({"x\u0000": 1})"}) {
    auto request = json_request(text);
    expect_api_error([&] { json_input::parse_object_body(request); }, 400, "INVALID_REQUEST");
  }
  auto fine = json_request(R"({"name": "kim\u0001x"})");
  EXPECT_EQ(json_input::parse_object_body(fine).at("name").as_string(), "kim\x01" "x");
}

TEST(ParseObjectBody, HeaderLookupIsCaseInsensitive) {
  http::Request request;
  request.headers.emplace_back("content-TYPE", "application/json; charset=utf-8");
  request.body = "{}";
  EXPECT_TRUE(json_input::parse_object_body(request).empty());
}

TEST(ParseObjectBody, MissingContentTypeIs415) {
  auto request = json_request("{}", "");
  expect_api_error([&] { json_input::parse_object_body(request); }, 415, "UNSUPPORTED_MEDIA_TYPE");
}

TEST(ParseObjectBody, WrongContentTypeIs415EvenWithValidJson) {
  auto request = json_request(R"({"a":1})", "text/plain");
  expect_api_error([&] { json_input::parse_object_body(request); }, 415, "UNSUPPORTED_MEDIA_TYPE");
}

TEST(ParseObjectBody, ContentTypeIsCheckedBeforeEmptiness) {
  auto request = json_request("", "text/plain");
  expect_api_error([&] { json_input::parse_object_body(request); }, 415, "UNSUPPORTED_MEDIA_TYPE");
}

TEST(ParseObjectBody, EmptyBodyIs400) {
  auto request = json_request("");
  expect_invalid_request([&] { json_input::parse_object_body(request); });
}

TEST(ParseObjectBody, MalformedJsonIs400) {
  for (std::string_view text : {"{", "{\"a\":}", "not json", "{\"a\":1,}", "{'a':1}", "{} {}"}) {
    SCOPED_TRACE(text);
    auto request = json_request(text);
    expect_invalid_request([&] { json_input::parse_object_body(request); });
  }
}

TEST(ParseObjectBody, NonObjectJsonIs400) {
  for (std::string_view text : {"[]", "[1,2]", "1", "\"text\"", "null", "true"}) {
    SCOPED_TRACE(text);
    auto request = json_request(text);
    expect_invalid_request([&] { json_input::parse_object_body(request); });
  }
}

// ---- required_int / optional_int -----------------------------------------------------

TEST(RequiredInt, AcceptsInt64Range) {
  EXPECT_EQ(json_input::required_int(object(R"({"n": 0})"), "n"), 0);
  EXPECT_EQ(json_input::required_int(object(R"({"n": -5})"), "n"), -5);
  EXPECT_EQ(json_input::required_int(object(R"({"n": 9223372036854775807})"), "n"), kMax);
  EXPECT_EQ(json_input::required_int(object(R"({"n": -9223372036854775808})"), "n"), kMin);
}

TEST(RequiredInt, BeyondInt64IsInvalidRequest) {
  expect_invalid_request(
      [] { json_input::required_int(object(R"({"n": 9223372036854775808})"), "n"); });
  expect_invalid_request(
      [] { json_input::required_int(object(R"({"n": 18446744073709551615})"), "n"); });
  // Beyond uint64 the parser produces a double.
  expect_invalid_request(
      [] { json_input::required_int(object(R"({"n": 18446744073709551616})"), "n"); });
  expect_invalid_request(
      [] { json_input::required_int(object(R"({"n": -9223372036854775809})"), "n"); });
}

TEST(RequiredInt, DoublesAreInvalidEvenWhenIntegral) {
  expect_invalid_request([] { json_input::required_int(object(R"({"n": 1.0})"), "n"); });
  expect_invalid_request([] { json_input::required_int(object(R"({"n": 1.5})"), "n"); });
  expect_invalid_request([] { json_input::required_int(object(R"({"n": 1e3})"), "n"); });
}

TEST(RequiredInt, OtherTypesAreInvalid) {
  for (std::string_view text :
       {R"({"n": "1"})", R"({"n": true})", R"({"n": []})", R"({"n": {}})"}) {
    SCOPED_TRACE(text);
    expect_invalid_request([&] { json_input::required_int(object(text), "n"); });
  }
}

TEST(RequiredInt, NullOrMissingIsInvalid) {
  expect_invalid_request([] { json_input::required_int(object(R"({"n": null})"), "n"); });
  expect_invalid_request([] { json_input::required_int(object(R"({"other": 1})"), "n"); });
  expect_invalid_request([] { json_input::required_int(object("{}"), "n"); });
}

TEST(RequiredInt, DetailNamesTheField) {
  try {
    json_input::required_int(object(R"({"amount": "x"})"), "amount");
    FAIL() << "no exception";
  } catch (const http::ApiError& error) {
    EXPECT_NE(error.detail().find("amount"), std::string::npos) << error.detail();
  }
}

TEST(OptionalInt, NullAndMissingAreNullopt) {
  EXPECT_EQ(json_input::optional_int(object("{}"), "n"), std::nullopt);
  EXPECT_EQ(json_input::optional_int(object(R"({"n": null})"), "n"), std::nullopt);
  EXPECT_EQ(json_input::optional_int(object(R"({"n": 3})"), "n"), 3);
  expect_invalid_request([] { json_input::optional_int(object(R"({"n": 1.0})"), "n"); });
  expect_invalid_request([] { json_input::optional_int(object(R"({"n": "3"})"), "n"); });
}

// ---- required_id / optional_id ----------------------------------------------------------

TEST(RequiredId, AcceptsPositive) {
  EXPECT_EQ(json_input::required_id(object(R"({"id": 1})"), "id"), 1);
  EXPECT_EQ(json_input::required_id(object(R"({"id": 9223372036854775807})"), "id"), kMax);
}

TEST(RequiredId, RejectsZeroNegativeAndNonIntegers) {
  for (std::string_view text : {R"({"id": 0})", R"({"id": -1})", R"({"id": -9223372036854775808})",
                                R"({"id": 1.0})", R"({"id": "1"})", R"({"id": null})", "{}"}) {
    SCOPED_TRACE(text);
    expect_invalid_request([&] { json_input::required_id(object(text), "id"); });
  }
}

TEST(OptionalId, ValidatesWhenPresent) {
  EXPECT_EQ(json_input::optional_id(object("{}"), "id"), std::nullopt);
  EXPECT_EQ(json_input::optional_id(object(R"({"id": null})"), "id"), std::nullopt);
  EXPECT_EQ(json_input::optional_id(object(R"({"id": 4})"), "id"), 4);
  expect_invalid_request([] { json_input::optional_id(object(R"({"id": 0})"), "id"); });
  expect_invalid_request([] { json_input::optional_id(object(R"({"id": -2})"), "id"); });
}

// ---- required_string ---------------------------------------------------------------

TEST(RequiredString, ReturnsString) {
  EXPECT_EQ(json_input::required_string(object(R"({"s": "홍길동"})"), "s"), "홍길동");
  EXPECT_EQ(json_input::required_string(object(R"({"s": ""})"), "s"), "");
}

TEST(RequiredString, RejectsOtherTypesNullAndMissing) {
  for (std::string_view text : {R"({"s": 1})", R"({"s": null})", R"({"s": []})", "{}"}) {
    SCOPED_TRACE(text);
    expect_invalid_request([&] { json_input::required_string(object(text), "s"); });
  }
}

// ---- parse_int ------------------------------------------------------------------

TEST(ParseInt, AcceptsStrictDecimal) {
  EXPECT_EQ(parse_int("0"), 0);
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_EQ(parse_int("-12"), -12);
  EXPECT_EQ(parse_int("007"), 7);
  EXPECT_EQ(parse_int("9223372036854775807"), kMax);
  EXPECT_EQ(parse_int("-9223372036854775808"), kMin);
}

TEST(ParseInt, RejectsEverythingElse) {
  for (std::string_view text :
       {"", "+1", " 1", "1 ", "1a", "a1", "-", "+", "1.0", "1e3", "0x10", "--1",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_int(text), std::nullopt);
  }
}

TEST(ParseInt, DoesNotReadPastTheView) {
  std::string_view digits = "123456";
  EXPECT_EQ(parse_int(digits.substr(0, 3)), 123);
}

// ---- query_id / path_id -------------------------------------------------------------

TEST(QueryId, ReturnsPositiveId) {
  EXPECT_EQ(json_input::query_id(query({{"userId", "15"}}), "userId"), 15);
}

TEST(QueryId, FirstValueWins) {
  EXPECT_EQ(json_input::query_id(query({{"userId", "3"}, {"userId", "x"}}), "userId"), 3);
}

TEST(QueryId, MissingOrInvalidIsInvalidRequest) {
  expect_invalid_request([] { json_input::query_id(query({}), "userId"); });
  expect_invalid_request([] { json_input::query_id(query({{"other", "1"}}), "userId"); });
  for (const char* bad : {"", "0", "-1", "+1", "1a", " 1", "9223372036854775808"}) {
    SCOPED_TRACE(bad);
    expect_invalid_request([&] { json_input::query_id(query({{"userId", bad}}), "userId"); });
  }
}

TEST(PathId, ReturnsPositiveId) {
  http::Request request;
  request.params.emplace_back("id", "9223372036854775807");
  EXPECT_EQ(json_input::path_id(request, "id"), kMax);
}

TEST(PathId, MissingOrInvalidIsInvalidRequest) {
  http::Request request;
  expect_invalid_request([&] { json_input::path_id(request, "id"); });
  for (const char* bad : {"0", "-3", "abc", "1.5", "", "best"}) {
    SCOPED_TRACE(bad);
    http::Request with;
    with.params.emplace_back("id", bad);
    expect_invalid_request([&] { json_input::path_id(with, "id"); });
  }
}

// ---- query_page -------------------------------------------------------------------

TEST(QueryPage, Defaults) {
  auto page = json_input::query_page(query({}));
  EXPECT_EQ(page.page, 0);
  EXPECT_EQ(page.size, 20);
  EXPECT_EQ(page.offset(), 0);
}

TEST(QueryPage, ParsesBoth) {
  auto page = json_input::query_page(query({{"page", "3"}, {"size", "50"}}));
  EXPECT_EQ(page.page, 3);
  EXPECT_EQ(page.size, 50);
  EXPECT_EQ(page.offset(), 150);
}

TEST(QueryPage, SizeBounds) {
  EXPECT_EQ(json_input::query_page(query({{"size", "1"}})).size, 1);
  EXPECT_EQ(json_input::query_page(query({{"size", "100"}})).size, 100);
  for (const char* bad : {"0", "101", "-1", "", "abc", "20.0", "+20", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    expect_invalid_request([&] { json_input::query_page(query({{"size", bad}})); });
  }
}

TEST(QueryPage, PageBounds) {
  EXPECT_EQ(json_input::query_page(query({{"page", "0"}})).page, 0);
  // The page is capped so page * size cannot overflow.
  auto far = json_input::query_page(query({{"page", "10000000"}, {"size", "100"}}));
  EXPECT_EQ(far.offset(), 1'000'000'000);
  for (const char* bad : {"-1", "", "x", "1e2", "10000001", "9223372036854775807"}) {
    SCOPED_TRACE(bad);
    expect_invalid_request([&] { json_input::query_page(query({{"page", bad}})); });
  }
}

}  // namespace
