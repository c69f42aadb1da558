#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "captured_log.hpp"
#include "platform/db/errors.hpp"
#include "platform/http/api_error.hpp"
#include "platform/http/error_answers.hpp"

namespace {

// An exception a handler let escape (its dynamic type is what counts) and what it must get.
struct Case {
  std::shared_ptr<const std::exception> error;
  int status;
  std::string code;
  std::string detail;
  std::string log;  // as "<level> <message>" lines, for request id "req-7"
};

const Case kCases[] = {
    {std::make_shared<http::ApiError>(409, "LIMIT_EXCEEDED", "over the limit"), 409,
     "LIMIT_EXCEEDED", "over the limit", ""},
    {std::make_shared<db::DbUnavailable>("pool exhausted"), 503, "UNAVAILABLE",
     "the database is unavailable; retry later",
     "warning request_id=req-7 msg=\"database unavailable\" error=\"pool exhausted\"\n"},
    // A DbAnswerLost is a DbUnavailable: a write that lost its answer learns its outcome
    // itself (or throws DbOutcomeUnknown), so one that escapes a handler is unavailable.
    {std::make_shared<db::DbAnswerLost>("connection closed"), 503, "UNAVAILABLE",
     "the database is unavailable; retry later",
     "warning request_id=req-7 msg=\"database unavailable\" error=\"connection closed\"\n"},
    {std::make_shared<db::DbOutcomeUnknown>("commit unconfirmed"), 504, "OUTCOME_UNKNOWN",
     "the database did not confirm whether this write was applied; retry with the same "
     "Idempotency-Key, or read the resource, to learn it",
     "error request_id=req-7 msg=\"write outcome unknown\" error=\"commit unconfirmed\"\n"},
    {std::make_shared<db::DbError>("canceling statement due to lock timeout", "55P03", ""), 503,
     "UNAVAILABLE", "the data is busy; retry later",
     "warning request_id=req-7 msg=\"lock wait past the request deadline\"\n"},
    {std::make_shared<db::DbError>("syntax error", "42601", ""), 500, "INTERNAL",
     "internal error (request req-7)",
     "error request_id=req-7 msg=\"unhandled database error\" error=\"syntax error\"\n"},
    {std::make_shared<std::logic_error>("bug"), 500, "INTERNAL", "internal error (request req-7)",
     "error request_id=req-7 msg=\"unhandled error\" error=\"bug\"\n"},
};

TEST(ErrorAnswers, EveryMappedExceptionGetsItsAnswerAndLogLine) {
  for (const auto& expected : kCases) {
    SCOPED_TRACE(expected.error->what());
    CapturedLog log;
    auto response = http::error_answer(*expected.error, "req-7");
    EXPECT_EQ(response.status, expected.status);
    EXPECT_EQ(response.content_type, "application/problem+json");
    auto body = boost::json::parse(response.body).as_object();
    EXPECT_EQ(body.at("status").as_int64(), expected.status);
    EXPECT_EQ(body.at("code").as_string(), expected.code);
    EXPECT_EQ(body.at("detail").as_string(), expected.detail);
    EXPECT_EQ(log.text(), expected.log);
  }
}

TEST(ErrorAnswers, ApiErrorOf401AsksForABearerToken) {
  auto response = http::error_answer(http::ApiError(401, "UNAUTHORIZED", "no token"), "req-7");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "WWW-Authenticate");
}

}  // namespace
