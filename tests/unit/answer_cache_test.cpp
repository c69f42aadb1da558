#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "stats/answer_cache.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using stats::AnswerCache;

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

// A loader that takes `delay` and answers "v<n>" for its n-th call.
struct CountingLoader {
  int calls = 0;
  std::chrono::milliseconds delay{20};
  bool fail = false;
  AnswerCache::Loader loader() {
    return [this]() -> asio::awaitable<std::string> {
      const int call = ++calls;
      co_await sleep_for(delay);
      if (fail) throw std::runtime_error("load failed");
      co_return fmt::format("v{}", call);
    };
  }
};

void get_into(asio::io_context& ioc, AnswerCache& cache, const std::string& key,
              const AnswerCache::Loader& load, std::vector<std::string>& answers) {
  asio::co_spawn(
      ioc,
      [&cache, key, &load, &answers]() -> asio::awaitable<void> {
        try {
          answers.push_back(co_await cache.get(key, load));
        } catch (const std::exception& error) {
          answers.push_back(fmt::format("error: {}", error.what()));
        }
      },
      asio::detached);
}

// The answer is as old as the data it was read from: the load's start, not its end. A load
// that takes most of `fresh_for` leaves an answer that is nearly stale already.
TEST(AnswerCache, AnswersAgeFromWhenTheLoadStarted) {
  asio::io_context ioc;
  AnswerCache cache(200ms, 2s);
  CountingLoader counting;
  counting.delay = 150ms;
  auto load = counting.loader();
  std::vector<std::string> answers;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        answers.push_back(co_await cache.get("k", load));  // loaded 150 ms after it started
        co_await sleep_for(100ms);                         // 250 ms after the data was read
        answers.push_back(co_await cache.get("k", load));
      },
      asio::detached);
  ioc.run();
  EXPECT_EQ(counting.calls, 2);
  EXPECT_EQ(answers, (std::vector<std::string>{"v1", "v2"}));
}

TEST(AnswerCache, ConcurrentMissesShareOneLoad) {
  asio::io_context ioc;
  AnswerCache cache(1s, 2s);
  CountingLoader counting;
  const auto load = counting.loader();
  std::vector<std::string> answers;
  for (int i = 0; i < 50; ++i) get_into(ioc, cache, "k", load, answers);
  ioc.run();
  EXPECT_EQ(counting.calls, 1);
  EXPECT_EQ(answers, std::vector<std::string>(50, "v1"));
}

TEST(AnswerCache, KeysAreSeparate) {
  asio::io_context ioc;
  AnswerCache cache(1s, 2s);
  CountingLoader counting;
  const auto load = counting.loader();
  std::vector<std::string> answers;
  get_into(ioc, cache, "a", load, answers);
  get_into(ioc, cache, "b", load, answers);
  ioc.run();
  EXPECT_EQ(counting.calls, 2);
}

TEST(AnswerCache, StaleEntryIsServedWhileOneRequestRefreshes) {
  asio::io_context ioc;
  AnswerCache cache(30ms, 5s);
  CountingLoader counting;
  counting.delay = 50ms;
  const auto load = counting.loader();
  std::vector<std::string> first, during;
  get_into(ioc, cache, "k", load, first);
  ioc.run();
  ioc.restart();
  ASSERT_EQ(first, std::vector<std::string>{"v1"});

  std::this_thread::sleep_for(40ms);  // now stale, but within serve_stale_for
  for (int i = 0; i < 20; ++i) get_into(ioc, cache, "k", load, during);
  ioc.run();
  EXPECT_EQ(counting.calls, 2);
  // The refresher gets the new answer; everyone else got the old one at once.
  EXPECT_EQ(std::count(during.begin(), during.end(), "v1"), 19);
  EXPECT_EQ(std::count(during.begin(), during.end(), "v2"), 1);
}

TEST(AnswerCache, TooOldEntryIsNotServed) {
  asio::io_context ioc;
  AnswerCache cache(10ms, 20ms);
  CountingLoader counting;
  const auto load = counting.loader();
  std::vector<std::string> answers;
  get_into(ioc, cache, "k", load, answers);
  ioc.run();
  ioc.restart();
  std::this_thread::sleep_for(30ms);
  for (int i = 0; i < 5; ++i) get_into(ioc, cache, "k", load, answers);
  ioc.run();
  EXPECT_EQ(counting.calls, 2);
  EXPECT_EQ(answers, (std::vector<std::string>{"v1", "v2", "v2", "v2", "v2", "v2"}));
}

TEST(AnswerCache, FailedLoadIsRetriedByAWaiterNotCached) {
  asio::io_context ioc;
  AnswerCache cache(1s, 2s);
  CountingLoader counting;
  counting.fail = true;
  const auto load = counting.loader();
  std::vector<std::string> answers;
  for (int i = 0; i < 3; ++i) get_into(ioc, cache, "k", load, answers);
  ioc.run();
  // One load at a time: each failure hands the next waiter its own attempt.
  EXPECT_EQ(counting.calls, 3);
  EXPECT_EQ(answers, std::vector<std::string>(3, "error: load failed"));
}

TEST(AnswerCache, ManyKeysDoNotGrowWithoutBound) {
  asio::io_context ioc;
  AnswerCache cache(1s, 2s, 8);
  CountingLoader counting;
  counting.delay = 0ms;
  const auto load = counting.loader();
  std::vector<std::string> answers;
  for (int i = 0; i < 100; ++i) {
    get_into(ioc, cache, fmt::format("k{}", i), load, answers);
    ioc.run();
    ioc.restart();
  }
  EXPECT_EQ(answers.size(), 100u);
  // Re-reading the latest key is a hit; the first ones were evicted.
  get_into(ioc, cache, "k99", load, answers);
  ioc.run();
  EXPECT_EQ(counting.calls, 100);
}

}  // namespace
