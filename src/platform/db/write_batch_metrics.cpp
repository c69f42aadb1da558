#include "platform/db/write_batch_metrics.hpp"

#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "platform/metrics/prometheus_text.hpp"

namespace db {

namespace {

constexpr std::string_view kKindNames[] = {"charge", "order", "payment", "coupon_issue"};

}  // namespace

void WriteBatchSizes::observe(WriteKind kind, std::size_t size) {
  auto& of_kind = sizes_[static_cast<std::size_t>(kind)];
  std::size_t bucket = 0;
  while (bucket < std::size(kBounds) && size > kBounds[bucket]) ++bucket;
  of_kind.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  of_kind.sum.fetch_add(size, std::memory_order_relaxed);
}

void WriteBatchSizes::write_metrics(std::string& out) const {
  static_assert(std::size(kKindNames) == kKinds);
  constexpr std::string_view name = "db_write_batch_size";
  metrics::write_help(out, name, "histogram",
                      "Requests settled per batched write statement (one commit), by kind.");
  for (std::size_t kind = 0; kind < kKinds; ++kind) {
    const auto& of_kind = sizes_[kind];
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
}

}  // namespace db
