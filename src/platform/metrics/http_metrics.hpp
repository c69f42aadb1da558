#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "platform/metrics/prometheus_text.hpp"

namespace metrics {

// Request counts and latency histograms by (method, route pattern, status). One shard per
// event loop, each with its own mutex, so recording never contends across threads; the
// scrape merges the shards.
class HttpMetrics {
 public:
  explicit HttpMetrics(std::size_t shards);
  ~HttpMetrics();

  void observe(std::size_t shard, std::string_view method, std::string_view route, int status,
               std::chrono::steady_clock::duration elapsed);
  // Appends http_requests_total and http_request_duration_seconds.
  void render(std::string& out) const;

 private:
  using Key = std::tuple<std::string, std::string, int>;  // method, route, status
  // Orders owned keys and string_view lookup keys alike, so a lookup allocates nothing.
  // (std::less<> would compare tuple<string_view...> with tuple<string...>, which clang 14
  // with libstdc++ 12 rejects in C++20 mode.)
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
    template <typename T>
    static std::tuple<std::string_view, std::string_view, int> view(const T& key) {
      return {std::get<0>(key), std::get<1>(key), std::get<2>(key)};
    }
  };
  struct Series {
    std::array<std::uint64_t, kLatencyBucketCount + 1> buckets{};
    double sum = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::map<Key, Series, KeyLess> series;
  };
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace metrics
