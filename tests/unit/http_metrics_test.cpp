#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "platform/metrics/http_metrics.hpp"

namespace {

// A method token is the client's to choose; the label set must stay closed.
TEST(HttpMetrics, UnknownMethodsShareOneSeries) {
  metrics::HttpMetrics metrics(2);
  metrics.observe(0, "GET", "/health", 200, std::chrono::milliseconds(1));
  metrics.observe(0, "BREW", "unmatched", 404, std::chrono::milliseconds(1));
  std::string before;
  metrics.render(before);
  for (int i = 0; i < 1000; ++i) {
    std::string method = "M";
    method += std::to_string(i);
    metrics.observe(i % 2, method, "unmatched", 404, std::chrono::milliseconds(1));
  }
  std::string after;
  metrics.render(after);
  EXPECT_LT(after.size(), before.size() + 64);
  EXPECT_NE(after.find("method=\"OTHER\""), std::string::npos);
  EXPECT_EQ(after.find("method=\"M1\""), std::string::npos);
  EXPECT_NE(after.find("method=\"GET\""), std::string::npos);
}

}  // namespace
