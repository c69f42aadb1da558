// Every write path takes its row locks in one order: products (by id), then the user's
// coupon. Two orders that lock the same rows in opposite orders deadlock.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "orders/orders_store.hpp"
#include "test_support.hpp"

namespace {

namespace asio = boost::asio;

using LockOrderTest = it::PoolTest<4>;

// A test transaction holds the product's row lock. A one-product order with a coupon must
// queue for the product before it touches the coupon, so the coupon stays unlocked: were it
// locked first, a multi-line order holding the product and wanting the coupon would deadlock
// with it.
TEST_F(LockOrderTest, OneProductOrderWithCouponLocksTheProductBeforeTheCoupon) {
  it::SyncConnection setup;
  const auto user = setup.scalar_int("INSERT INTO users (name) VALUES ('lock-order') RETURNING id");
  setup.exec("INSERT INTO point_wallets (user_id) VALUES (" + std::to_string(user) +
             ") ON CONFLICT DO NOTHING");
  const auto product = setup.scalar_int(
      "INSERT INTO products (name, price, stock) VALUES ('lock-order', 1000, 10) RETURNING id");
  const auto coupon = setup.scalar_int(
      "INSERT INTO coupons (name, discount_type, discount_value, total_quantity, "
      "remaining_quantity, issue_starts_at, issue_ends_at, valid_days) VALUES ('lock-order', "
      "'FIXED', 100, 10, 9, now() - interval '1 day', now() + interval '1 day', 7) RETURNING id");
  const auto user_coupon = setup.scalar_int(
      "INSERT INTO user_coupons (user_id, coupon_id, expires_at) VALUES (" + std::to_string(user) +
      ", " + std::to_string(coupon) + ", now() + interval '7 days') RETURNING id");

  it::SyncConnection holder;
  holder.exec("BEGIN");
  holder.exec("SELECT 1 FROM products WHERE id = " + std::to_string(product) + " FOR UPDATE");

  std::optional<orders::PlaceOutcome> outcome;
  std::exception_ptr failure;
  const std::vector<orders::OrderLine> lines{orders::OrderLine{product, 1}};  // outlives the order
  asio::co_spawn(ioc, orders::place_order(*pool, user, lines, user_coupon, 600),
                 [&](std::exception_ptr error, orders::PlaceOutcome result) {
                   failure = error;
                   if (!error) outcome = std::move(result);
                 });
  std::thread loop([&] { ioc.run(); });

  // Wait until the order's backend waits for a lock (the product's, held above).
  it::SyncConnection observer;
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    waiting = observer.scalar_int(
                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ecommerce' "
                  "AND wait_event_type = 'Lock' AND datname = current_database()") > 0;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(waiting) << "the order never waited for the product's lock";
  // The coupon must not be locked while the order waits for the product.
  bool coupon_free = true;
  try {
    observer.exec("BEGIN");
    observer.exec("SELECT 1 FROM user_coupons WHERE id = " + std::to_string(user_coupon) +
                  " FOR UPDATE NOWAIT");
    observer.exec("ROLLBACK");
  } catch (const std::exception&) {
    coupon_free = false;
    observer.exec("ROLLBACK");
  }
  holder.exec("ROLLBACK");
  loop.join();
  EXPECT_TRUE(coupon_free) << "the coupon was locked before the product";
  if (failure) std::rethrow_exception(failure);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->kind, orders::PlaceOutcome::Kind::placed);
}

}  // namespace
