#include <chrono>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "captured_log.hpp"
#include "platform/http/access_log.hpp"

namespace {

TEST(AccessLog, OneLineWithoutTheQueryString) {
  CapturedLog log;
  http::log_access("req-1", "GET", "/api/v1/orders?userId=7", std::chrono::steady_clock::now(), 42,
                   200);
  EXPECT_TRUE(std::regex_match(
      log.text(), std::regex("info request_id=req-1 method=GET path=/api/v1/orders status=200 "
                             "duration_ms=[0-9]+\\.[0-9]{3} bytes=42\n")))
      << log.text();
}

TEST(AccessLog, UnreadableRequestsShowDashes) {
  CapturedLog log;
  http::log_access("req-2", "-", "-", std::chrono::steady_clock::now(), 0, 400);
  EXPECT_TRUE(
      std::regex_match(log.text(), std::regex("info request_id=req-2 method=- path=- status=400 "
                                              "duration_ms=[0-9]+\\.[0-9]{3} bytes=0\n")))
      << log.text();
}

}  // namespace
