#include "orders/expiry_sweeper.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "orders/orders_store.hpp"
#include "platform/db/errors.hpp"

namespace orders {

namespace {
constexpr std::int64_t kBatch = 200;
}

boost::asio::awaitable<void> run_expiry_sweeper(db::Pool& pool, const std::atomic<bool>& stopping,
                                                std::chrono::milliseconds period) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (!stopping.load()) {
    try {
      // A full batch means more may be waiting: sweep again at once.
      std::size_t expired = 0;
      do {
        expired = co_await expire_overdue_orders(pool, kBatch);
        if (expired > 0) spdlog::info("msg=\"expired unpaid orders\" count={}", expired);
      } while (expired == static_cast<std::size_t>(kBatch) && !stopping.load());
    } catch (const db::DbUnavailable&) {
      // The database is down or not migrated yet; the next tick tries again.
    } catch (const std::exception& error) {
      spdlog::error("msg=\"expiry sweep failed\" error=\"{}\"", error.what());
    }
    timer.expires_after(period);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

}  // namespace orders
