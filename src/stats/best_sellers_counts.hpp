#pragma once

#include <atomic>
#include <cstdint>

namespace stats {

// What the best-seller routes of every loop count, for /metrics: rankings read from the
// database (every other answer came from a loop's cache). Owned by main.
struct BestSellersCounts {
  std::atomic<std::uint64_t> queries{0};
};

}  // namespace stats
