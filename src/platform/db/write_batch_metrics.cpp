#include "platform/db/write_batch_metrics.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "platform/metrics/prometheus_text.hpp"

namespace db {

namespace {

constexpr std::size_t kBounds[] = {1, 2, 4, 8, 16, 32, 64, 128};
constexpr std::size_t kBucketCount = std::size(kBounds) + 1;  // the last for +Inf

struct Sizes {
  std::array<std::atomic<std::uint64_t>, kBucketCount> buckets{};
  std::atomic<std::uint64_t> sum{0};
};

constexpr std::string_view kKindNames[] = {"charge", "order", "payment", "coupon_issue"};
Sizes sizes[std::size(kKindNames)];

}  // namespace

void observe_write_batch(WriteKind kind, std::size_t size) {
  auto& of_kind = sizes[static_cast<std::size_t>(kind)];
  std::size_t bucket = 0;
  while (bucket < std::size(kBounds) && size > kBounds[bucket]) ++bucket;
  of_kind.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  of_kind.sum.fetch_add(size, std::memory_order_relaxed);
}

boost::asio::awaitable<void> write_batch_metrics(Pool&, std::string& out) {
  constexpr std::string_view name = "db_write_batch_size";
  metrics::write_help(out, name, "histogram",
                      "Requests settled per batched write statement (one commit), by kind.");
  for (std::size_t kind = 0; kind < std::size(kKindNames); ++kind) {
    const auto& of_kind = sizes[kind];
    std::uint64_t cumulative = 0;
    for (std::size_t bucket = 0; bucket < kBucketCount; ++bucket) {
      cumulative += of_kind.buckets[bucket].load(std::memory_order_relaxed);
      const std::string le =
          bucket < std::size(kBounds) ? std::to_string(kBounds[bucket]) : std::string("+Inf");
      metrics::write_sample(out, fmt::format("{}_bucket", name),
                            {{"kind", kKindNames[kind]}, {"le", le}},
                            static_cast<double>(cumulative));
    }
    metrics::write_sample(out, fmt::format("{}_sum", name), {{"kind", kKindNames[kind]}},
                          static_cast<double>(of_kind.sum.load(std::memory_order_relaxed)));
    metrics::write_sample(out, fmt::format("{}_count", name), {{"kind", kKindNames[kind]}},
                          static_cast<double>(cumulative));
  }
  co_return;
}

}  // namespace db
