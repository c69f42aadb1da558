#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace db {

// The kinds of batched writes: the closed set of `kind` label values.
enum class WriteKind { charge, order, payment, coupon_issue };

// How many requests each batched write statement settled, by kind: the histogram
// db_write_batch_size{kind=...}. One per instance (app::Instruments); every event loop and
// the write lane record into it (relaxed atomics, lock-free).
class WriteBatchSizes {
 public:
  void observe(WriteKind kind, std::size_t size);
  // Appends the histogram in Prometheus text.
  void write_metrics(std::string& out) const;

 private:
  static constexpr std::size_t kBounds[] = {1, 2, 4, 8, 16, 32, 64, 128};
  static constexpr std::size_t kBucketCount = std::size(kBounds) + 1;  // the last for +Inf
  static constexpr std::size_t kKinds = 4;

  struct Sizes {
    std::array<std::atomic<std::uint64_t>, kBucketCount> buckets{};
    std::atomic<std::uint64_t> sum{0};
  };
  std::array<Sizes, kKinds> sizes_{};
};

}  // namespace db
