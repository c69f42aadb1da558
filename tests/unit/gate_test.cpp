#include <chrono>
#include <optional>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/lifecycle/gate.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

TEST(Gate, CloseWaitsForEveryPassAndRefusesNewOnes) {
  asio::io_context ioc;
  lifecycle::Gate gate(ioc.get_executor());
  int finished = 0;
  for (int i = 1; i <= 3; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          auto pass = gate.try_enter();
          EXPECT_TRUE(pass.has_value());
          co_await sleep_for(std::chrono::milliseconds(20 * i));
          ++finished;
        },
        asio::detached);
  }
  bool drained = false;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await sleep_for(5ms);
        EXPECT_EQ(gate.inside(), 3u);
        drained = co_await gate.close(2s);
        EXPECT_EQ(finished, 3);
        EXPECT_FALSE(gate.try_enter().has_value());
      },
      asio::detached);
  ioc.run();
  EXPECT_TRUE(drained);
  EXPECT_EQ(gate.inside(), 0u);
}

TEST(Gate, CloseGivesUpAtItsTimeout) {
  asio::io_context ioc;
  lifecycle::Gate gate(ioc.get_executor());
  std::optional<lifecycle::Gate::Pass> stuck = gate.try_enter();
  bool drained = true;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { drained = co_await gate.close(30ms); }, asio::detached);
  ioc.run();
  EXPECT_FALSE(drained);
  stuck.reset();
  EXPECT_EQ(gate.inside(), 0u);
}

}  // namespace
