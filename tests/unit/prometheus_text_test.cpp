#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "platform/metrics/http_metrics.hpp"
#include "platform/metrics/prometheus_text.hpp"

namespace {

using namespace std::chrono_literals;

TEST(PrometheusText, SampleLineEscapesLabelValues) {
  std::string out;
  metrics::write_sample(out, "x_total", {{"route", "a\"b\\c\nd"}, {"status", "200"}}, 3);
  EXPECT_EQ(out, "x_total{route=\"a\\\"b\\\\c\\nd\",status=\"200\"} 3\n");
}

TEST(PrometheusText, SampleWithoutLabelsAndFractions) {
  std::string out;
  metrics::write_sample(out, "x", {}, 0.25);
  EXPECT_EQ(out, "x 0.25\n");
}

TEST(PrometheusText, BucketsAreUpperInclusive) {
  EXPECT_EQ(metrics::latency_bucket(0), 0u);
  EXPECT_EQ(metrics::latency_bucket(0.0005), 0u);
  EXPECT_EQ(metrics::latency_bucket(0.0006), 1u);
  EXPECT_EQ(metrics::latency_bucket(10), metrics::kLatencyBucketCount - 1);
  EXPECT_EQ(metrics::latency_bucket(11), metrics::kLatencyBucketCount);  // +Inf
}

TEST(PrometheusText, HistogramIsCumulativeWithInfEqualToCount) {
  std::vector<std::uint64_t> counts(metrics::kLatencyBucketCount + 1, 0);
  counts[0] = 2;
  counts[3] = 1;
  counts.back() = 1;
  std::string out;
  const metrics::Label labels[] = {{"route", "/r"}};
  metrics::write_histogram(out, "lat", labels, counts, 12.5);
  EXPECT_NE(out.find("lat_bucket{route=\"/r\",le=\"0.0005\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_bucket{route=\"/r\",le=\"0.005\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_bucket{route=\"/r\",le=\"10\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_bucket{route=\"/r\",le=\"+Inf\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_sum{route=\"/r\"} 12.5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_count{route=\"/r\"} 4\n"), std::string::npos) << out;
}

TEST(HttpMetrics, MergesShardsPerRouteAndStatus) {
  metrics::HttpMetrics registry(2);
  registry.observe(0, "GET", "/a/{id}", 200, 1ms);
  registry.observe(1, "GET", "/a/{id}", 200, 3ms);
  registry.observe(1, "GET", "/a/{id}", 404, 1ms);
  std::string out;
  registry.render(out);
  EXPECT_NE(out.find("http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"200\"} 2\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"404\"} 1\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("http_request_duration_seconds_count{method=\"GET\",route=\"/a/{id}\","
                     "status=\"200\"} 2\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# TYPE http_request_duration_seconds histogram\n"), std::string::npos);
}

}  // namespace
