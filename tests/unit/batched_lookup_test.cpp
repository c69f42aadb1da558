#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/batched_lookup.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using Lookup = db::BatchedLookup<int, std::string>;

// A fetch that takes a little (timer) time and records the keys of each call: even keys
// are found ("v<key>"), odd ones are not; `fail` makes the whole fetch throw, and
// `answer_short` leaves the last key out of the answer.
struct FakeTable {
  std::vector<std::vector<int>> fetches;
  bool fail = false;
  bool answer_short = false;

  Lookup::Fetch fetch() {
    return
        [this](const std::vector<int>& keys) -> awaitable<std::vector<std::optional<std::string>>> {
          fetches.push_back(keys);
          asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
          co_await wait.async_wait(asio::use_awaitable);
          if (fail) throw std::runtime_error("connection lost");
          std::vector<std::optional<std::string>> values;
          for (int key : keys) {
            if (key % 2 == 0) {
              values.emplace_back("v" + std::to_string(key));
            } else {
              values.emplace_back(std::nullopt);
            }
          }
          if (answer_short && !values.empty()) values.pop_back();
          co_return values;
        };
  }
};

struct Answer {
  bool done = false;
  std::optional<std::string> value;
  std::string error;
};

void get(asio::io_context& io, Lookup& lookup, int key, Answer& answer) {
  asio::co_spawn(
      io,
      [&lookup, key, &answer]() -> awaitable<void> {
        try {
          answer.value = co_await lookup.get(key);
        } catch (const std::exception& e) {
          answer.error = e.what();
        }
        answer.done = true;
      },
      asio::detached);
}

TEST(BatchedLookup, ConcurrentLookupsShareFetchesAndEachGetsItsOwnAnswer) {
  asio::io_context io;
  FakeTable table;
  Lookup lookup(table.fetch(), 2);
  std::vector<Answer> answers(10);
  for (int i = 0; i < 10; ++i) get(io, lookup, i, answers[i]);
  io.run();
  // The first two go at once, each alone (two fetches may run); the eight queued behind
  // them go together in the next fetch.
  ASSERT_EQ(table.fetches.size(), 3u);
  EXPECT_EQ(table.fetches[0], std::vector<int>{0});
  EXPECT_EQ(table.fetches[1], std::vector<int>{1});
  EXPECT_EQ(table.fetches[2], (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(lookup.fetches(), 3u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(answers[i].done);
    EXPECT_TRUE(answers[i].error.empty());
    if (i % 2 == 0) {
      EXPECT_EQ(answers[i].value, "v" + std::to_string(i));
    } else {
      EXPECT_FALSE(answers[i].value.has_value()) << i;
    }
  }
}

TEST(BatchedLookup, KeysMissingFromAShortAnswerAreNotFound) {
  asio::io_context io;
  FakeTable table;
  table.answer_short = true;
  Lookup lookup(table.fetch(), 1);
  std::vector<Answer> answers(3);
  for (int i = 0; i < 3; ++i) get(io, lookup, 2 * i, answers[i]);
  io.run();
  // Fetches {0}, then {2, 4}: each loses its last key.
  EXPECT_FALSE(answers[0].value.has_value());
  EXPECT_EQ(answers[1].value, "v2");
  EXPECT_FALSE(answers[2].value.has_value());
  for (const auto& answer : answers) EXPECT_TRUE(answer.error.empty()) << answer.error;
}

TEST(BatchedLookup, AFailedFetchReachesEveryLookupOfIt) {
  asio::io_context io;
  FakeTable table;
  table.fail = true;
  Lookup lookup(table.fetch(), 1);
  std::vector<Answer> answers(4);
  for (int i = 0; i < 4; ++i) get(io, lookup, i, answers[i]);
  io.run();
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.done);
    EXPECT_EQ(answer.error, "connection lost");
  }
}

TEST(BatchedLookup, ASharedKeyIsFetchedOnceAndEveryLookupOfItGetsTheAnswer) {
  asio::io_context io;
  FakeTable table;
  Lookup lookup(table.fetch(), 1);
  const std::vector<int> keys{0, 6, 3, 6, 0, 3, 8, 6};
  std::vector<Answer> answers(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) get(io, lookup, keys[i], answers[i]);
  io.run();
  // {0} alone, then the rest with each key once, in the order each first came.
  ASSERT_EQ(table.fetches.size(), 2u);
  EXPECT_EQ(table.fetches[1], (std::vector<int>{6, 3, 0, 8}));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(answers[i].done);
    EXPECT_TRUE(answers[i].error.empty()) << answers[i].error;
    if (keys[i] % 2 == 0) {
      EXPECT_EQ(answers[i].value, "v" + std::to_string(keys[i])) << i;
    } else {
      EXPECT_FALSE(answers[i].value.has_value()) << i;
    }
  }
}

TEST(BatchedLookup, ADuplicatedKeyMissingFromAShortAnswerIsNotFoundForAnyOfItsLookups) {
  asio::io_context io;
  FakeTable table;
  table.answer_short = true;
  Lookup lookup(table.fetch(), 1);
  const std::vector<int> keys{0, 2, 4, 2, 4};
  std::vector<Answer> answers(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) get(io, lookup, keys[i], answers[i]);
  io.run();
  // Fetches {0}, then {2, 4}: 4, the last, is left out of the answer.
  ASSERT_EQ(table.fetches.size(), 2u);
  EXPECT_EQ(table.fetches[1], (std::vector<int>{2, 4}));
  EXPECT_EQ(answers[1].value, "v2");
  EXPECT_EQ(answers[3].value, "v2");
  EXPECT_FALSE(answers[2].value.has_value());
  EXPECT_FALSE(answers[4].value.has_value());
}

}  // namespace
