#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "captured_log.hpp"
#include "platform/db/errors.hpp"
#include "platform/http/api_error.hpp"
#include "platform/http/error_answers.hpp"

namespace {

using http::error_answer;

struct Answer {
  int status;
  std::string code;
  std::string detail;
  std::string log;
};

Answer answer_to(const std::exception& error) {
  CapturedLog log;
  auto response = error_answer(error, "req-7");
  EXPECT_EQ(response.content_type, "application/problem+json");
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("status").as_int64(), response.status);
  return {response.status, std::string(body.at("code").as_string()),
          std::string(body.at("detail").as_string()), log.text()};
}

TEST(ErrorAnswers, ApiErrorKeepsItsStatusCodeAndDetailUnlogged) {
  auto answer = answer_to(http::ApiError(409, "LIMIT_EXCEEDED", "over the limit"));
  EXPECT_EQ(answer.status, 409);
  EXPECT_EQ(answer.code, "LIMIT_EXCEEDED");
  EXPECT_EQ(answer.detail, "over the limit");
  EXPECT_EQ(answer.log, "");
}

TEST(ErrorAnswers, ApiErrorOf401AsksForABearerToken) {
  auto response = error_answer(http::ApiError(401, "UNAUTHORIZED", "no token"), "req-7");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "WWW-Authenticate");
}

TEST(ErrorAnswers, UnavailableDatabaseIs503) {
  auto answer = answer_to(db::DbUnavailable("pool exhausted"));
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.code, "UNAVAILABLE");
  EXPECT_EQ(answer.detail, "the database is unavailable; retry later");
  EXPECT_EQ(answer.log,
            "warning request_id=req-7 msg=\"database unavailable\" error=\"pool exhausted\"\n");
}

// A DbAnswerLost is a DbUnavailable: a write that lost its answer learns its outcome itself
// (or throws DbOutcomeUnknown), so one that escapes a handler is answered as unavailable.
TEST(ErrorAnswers, LostAnswerIs503AsUnavailable) {
  auto answer = answer_to(db::DbAnswerLost("connection closed"));
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.code, "UNAVAILABLE");
  EXPECT_EQ(answer.detail, "the database is unavailable; retry later");
  EXPECT_EQ(answer.log,
            "warning request_id=req-7 msg=\"database unavailable\" error=\"connection closed\"\n");
}

TEST(ErrorAnswers, UnknownWriteOutcomeIs504) {
  auto answer = answer_to(db::DbOutcomeUnknown("commit unconfirmed"));
  EXPECT_EQ(answer.status, 504);
  EXPECT_EQ(answer.code, "OUTCOME_UNKNOWN");
  EXPECT_EQ(answer.detail,
            "the database did not confirm whether this write was applied; retry with the same "
            "Idempotency-Key, or read the resource, to learn it");
  EXPECT_EQ(answer.log,
            "error request_id=req-7 msg=\"write outcome unknown\" error=\"commit unconfirmed\"\n");
}

TEST(ErrorAnswers, LockWaitPastTheDeadlineIs503) {
  auto answer = answer_to(db::DbError("canceling statement due to lock timeout", "55P03", ""));
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.code, "UNAVAILABLE");
  EXPECT_EQ(answer.detail, "the data is busy; retry later");
  EXPECT_EQ(answer.log, "warning request_id=req-7 msg=\"lock wait past the request deadline\"\n");
}

TEST(ErrorAnswers, OtherDatabaseErrorIs500NamingTheRequest) {
  auto answer = answer_to(db::DbError("syntax error", "42601", ""));
  EXPECT_EQ(answer.status, 500);
  EXPECT_EQ(answer.code, "INTERNAL");
  EXPECT_EQ(answer.detail, "internal error (request req-7)");
  EXPECT_EQ(answer.log,
            "error request_id=req-7 msg=\"unhandled database error\" error=\"syntax error\"\n");
}

TEST(ErrorAnswers, AnyOtherExceptionIs500NamingTheRequest) {
  auto answer = answer_to(std::logic_error("bug"));
  EXPECT_EQ(answer.status, 500);
  EXPECT_EQ(answer.code, "INTERNAL");
  EXPECT_EQ(answer.detail, "internal error (request req-7)");
  EXPECT_EQ(answer.log, "error request_id=req-7 msg=\"unhandled error\" error=\"bug\"\n");
}

}  // namespace
