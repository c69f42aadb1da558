#include "platform/metrics/http_metrics.hpp"

#include <fmt/format.h>

namespace metrics {

namespace {

// Labels come from a closed set: the method token is the client's to choose, and every new
// label value would be a new series kept forever and copied on every scrape.
std::string_view method_label(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",     "HEAD",    "POST",  "PUT", "DELETE",
                                                "PATCH",   "OPTIONS", "TRACE", "CONNECT",
                                                "-"};  // "-": a request that could not be read
  for (auto known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

}  // namespace

HttpMetrics::HttpMetrics(std::size_t shards) {
  for (std::size_t i = 0; i < std::max<std::size_t>(shards, 1); ++i)
    shards_.push_back(std::make_unique<Shard>());
}

HttpMetrics::~HttpMetrics() = default;

void HttpMetrics::observe(std::size_t shard, std::string_view method, std::string_view route,
                          int status, std::chrono::steady_clock::duration elapsed) {
  method = method_label(method);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  auto& target = *shards_[shard % shards_.size()];
  std::lock_guard lock(target.mutex);
  auto found = target.series.find(std::tuple(method, route, status));
  if (found == target.series.end()) {
    found =
        target.series.emplace(Key(std::string(method), std::string(route), status), Series{}).first;
  }
  ++found->second.buckets[latency_bucket(seconds)];
  found->second.sum += seconds;
}

void HttpMetrics::render(std::string& out) const {
  std::map<Key, Series> merged;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (const auto& [key, series] : shard->series) {
      auto& total = merged[key];
      for (std::size_t i = 0; i < series.buckets.size(); ++i) total.buckets[i] += series.buckets[i];
      total.sum += series.sum;
    }
  }
  write_help(out, "http_requests_total", "counter", "HTTP requests answered, by route and status.");
  for (const auto& [key, series] : merged) {
    std::uint64_t count = 0;
    for (auto bucket : series.buckets) count += bucket;
    const std::string status = std::to_string(std::get<2>(key));
    write_sample(out, "http_requests_total",
                 {{"method", std::get<0>(key)}, {"route", std::get<1>(key)}, {"status", status}},
                 static_cast<double>(count));
  }
  write_help(out, "http_request_duration_seconds", "histogram",
             "Time from a complete request to its response written, by route and status.");
  for (const auto& [key, series] : merged) {
    const std::string status = std::to_string(std::get<2>(key));
    const Label labels[] = {
        {"method", std::get<0>(key)}, {"route", std::get<1>(key)}, {"status", status}};
    write_histogram(out, "http_request_duration_seconds", labels, series.buckets, series.sum);
  }
}

}  // namespace metrics
