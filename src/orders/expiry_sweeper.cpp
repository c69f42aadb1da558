#include "orders/expiry_sweeper.hpp"

#include <cstddef>
#include <cstdint>

#include <spdlog/spdlog.h>

#include "orders/orders_store.hpp"

namespace orders {

namespace {
constexpr std::int64_t kBatch = 200;
constexpr int kMaxBatchesPerSweep = 50;
}  // namespace

boost::asio::awaitable<void> sweep_expired_orders(db::Pool& pool) {
  for (int round = 0; round < kMaxBatchesPerSweep; ++round) {
    const std::size_t expired = co_await expire_overdue_orders(pool, kBatch);
    if (expired > 0) spdlog::info("msg=\"expired unpaid orders\" count={}", expired);
    // A full batch means more may be waiting: sweep again at once.
    if (expired < static_cast<std::size_t>(kBatch)) break;
  }
}

}  // namespace orders
