#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "orders/product_write_queue.hpp"

namespace {

namespace asio = boost::asio;
using orders::ProductWriteQueue;

// Yields to the loop a few times, as a database round trip would.
asio::awaitable<void> yield_a_few_times() {
  for (int i = 0; i < 3; ++i)
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

TEST(ProductWriteQueue, OneAtATimePerProductInArrivalOrder) {
  asio::io_context ioc;
  ProductWriteQueue queue;
  int inside = 0, most_inside = 0;
  std::vector<int> order;
  for (int i = 0; i < 10; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          co_await queue.wait_turn(7);
          const ProductWriteQueue::Turn turn(&queue, 7);
          most_inside = std::max(most_inside, ++inside);
          order.push_back(i);
          co_await yield_a_few_times();
          --inside;
        },
        asio::detached);
  }
  ioc.run();
  EXPECT_EQ(most_inside, 1);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(ProductWriteQueue, DifferentProductsDoNotWaitForEachOther) {
  asio::io_context ioc;
  ProductWriteQueue queue;
  int inside = 0, most_inside = 0;
  for (int product = 1; product <= 5; ++product) {
    asio::co_spawn(
        ioc,
        [&, product]() -> asio::awaitable<void> {
          co_await queue.wait_turn(product);
          const ProductWriteQueue::Turn turn(&queue, product);
          most_inside = std::max(most_inside, ++inside);
          co_await yield_a_few_times();
          --inside;
        },
        asio::detached);
  }
  ioc.run();
  EXPECT_EQ(most_inside, 5);
}

TEST(ProductWriteQueue, TurnIsPassedOnWhenTheHolderFails) {
  asio::io_context ioc;
  ProductWriteQueue queue;
  int finished = 0;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          co_await queue.wait_turn(1);
          const ProductWriteQueue::Turn turn(&queue, 1);
          co_await yield_a_few_times();
          ++finished;
          if (i == 0) throw std::runtime_error("the database said no");
        },
        [](std::exception_ptr) {});
  }
  ioc.run();
  EXPECT_EQ(finished, 3);
}

}  // namespace
