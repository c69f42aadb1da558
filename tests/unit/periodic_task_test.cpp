#include <chrono>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"
#include "platform/tasks/periodic_task.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

asio::awaitable<void> sleep_for(Clock::duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

tasks::PeriodicSettings settings(std::chrono::milliseconds period) {
  tasks::PeriodicSettings out;
  out.period = period;
  out.jitter = 0;
  out.failure_backoff = 40ms;
  out.max_backoff = 80ms;
  return out;
}

TEST(PeriodicTask, RunsAtStartThenEveryPeriodAndStopsCleanly) {
  asio::io_context ioc;
  int steps = 0;
  tasks::PeriodicTask task(ioc.get_executor(), "count", settings(20ms),
                           [&]() -> asio::awaitable<void> {
                             ++steps;
                             co_return;
                           });
  task.start();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await sleep_for(110ms);
        co_await task.stop();
      },
      asio::detached);
  const auto started = Clock::now();
  ioc.run();  // returns only once the task's coroutine has ended
  EXPECT_GE(steps, 4);
  EXPECT_LE(steps, 7);
  EXPECT_LT(Clock::now() - started, 500ms);
}

TEST(PeriodicTask, StopWaitsForTheRunningStepAndInterruptsTheSleep) {
  asio::io_context ioc;
  bool step_finished = false;
  bool stopped = false;
  tasks::PeriodicTask task(ioc.get_executor(), "slow", settings(std::chrono::hours(1)),
                           [&]() -> asio::awaitable<void> {
                             co_await sleep_for(60ms);
                             step_finished = true;
                           });
  task.start();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await sleep_for(10ms);
        co_await task.stop();
        EXPECT_TRUE(step_finished);
        stopped = true;
      },
      asio::detached);
  const auto started = Clock::now();
  ioc.run();
  EXPECT_TRUE(stopped);
  EXPECT_LT(Clock::now() - started, 1s);  // the hour-long sleep did not hold it up
}

TEST(PeriodicTask, BacksOffWhileTheDatabaseIsUnavailableAndSurvivesOtherErrors) {
  asio::io_context ioc;
  std::vector<Clock::time_point> calls;
  tasks::PeriodicTask task(ioc.get_executor(), "flaky", settings(10ms),
                           [&]() -> asio::awaitable<void> {
                             calls.push_back(Clock::now());
                             if (calls.size() <= 3) throw db::DbUnavailable("down");
                             if (calls.size() == 4) throw std::runtime_error("bug");
                             co_return;
                           });
  task.start();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await sleep_for(260ms);
        co_await task.stop();
      },
      asio::detached);
  ioc.run();
  ASSERT_GE(calls.size(), 6u);
  EXPECT_GE(calls[1] - calls[0], 35ms);  // backoff 40 ms
  EXPECT_GE(calls[2] - calls[1], 75ms);  // doubled, capped at 80 ms
  EXPECT_GE(calls[3] - calls[2], 75ms);
  EXPECT_LT(calls[5] - calls[4], 40ms);  // a plain failure keeps the period
}

}  // namespace
