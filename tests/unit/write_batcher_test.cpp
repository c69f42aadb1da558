#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "platform/db/errors.hpp"
#include "platform/db/write_batcher.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using Batcher = db::WriteBatcher<int, int>;

// A settle step that takes a little (timer) time, records each batch, and doubles each
// request; a negative request fails on its own, and `fail_whole` makes the batch throw.
struct FakeStore {
  std::vector<std::vector<int>> batches;
  int in_flight = 0;
  int most_in_flight = 0;
  std::exception_ptr fail_whole;

  Batcher::Settle settle() {
    return [this](const std::vector<int>& requests) -> awaitable<std::vector<db::Settled<int>>> {
      batches.push_back(requests);
      most_in_flight = std::max(most_in_flight, ++in_flight);
      asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
      co_await wait.async_wait(asio::use_awaitable);
      --in_flight;
      if (fail_whole) std::rethrow_exception(fail_whole);
      std::vector<db::Settled<int>> out;
      for (int r : requests) {
        if (r < 0) {
          out.emplace_back(std::make_exception_ptr(std::invalid_argument("negative " +
                                                                         std::to_string(r))));
        } else {
          out.emplace_back(r * 2);
        }
      }
      co_return out;
    };
  }
};

struct Answer {
  bool done = false;
  int value = 0;
  std::string error;
  bool unavailable = false;
};

void submit(asio::io_context& io, Batcher& batcher, int request, Answer& answer) {
  asio::co_spawn(
      io,
      [&batcher, request, &answer]() -> awaitable<void> {
        try {
          answer.value = co_await batcher.submit(request);
        } catch (const db::DbUnavailable& e) {
          answer.unavailable = true;
          answer.error = e.what();
        } catch (const std::exception& e) {
          answer.error = e.what();
        }
        answer.done = true;
      },
      asio::detached);
}

TEST(WriteBatcher, LoneRequestGoesAtOnceInABatchOfItsOwn) {
  asio::io_context io;
  FakeStore store;
  Batcher batcher(store.settle());
  Answer answer;
  submit(io, batcher, 21, answer);
  io.run();
  ASSERT_TRUE(answer.done);
  EXPECT_EQ(answer.value, 42);
  ASSERT_EQ(store.batches.size(), 1u);
  EXPECT_EQ(store.batches[0], std::vector<int>{21});
}

TEST(WriteBatcher, RequestsArrivingDuringABatchFormTheNextInArrivalOrder) {
  asio::io_context io;
  FakeStore store;
  std::vector<std::size_t> observed;
  Batcher batcher(store.settle(), 64, [&](std::size_t n) { observed.push_back(n); });
  std::vector<Answer> answers(10);
  submit(io, batcher, 0, answers[0]);
  // The other nine arrive 1 ms later, while the first one's batch (5 ms) is in flight.
  asio::steady_timer later(io, std::chrono::milliseconds(1));
  later.async_wait([&](boost::system::error_code) {
    for (int i = 1; i < 10; ++i) submit(io, batcher, i, answers[i]);
  });
  io.run();
  // The first request went alone at once; the nine queued behind it go together.
  ASSERT_EQ(store.batches.size(), 2u);
  EXPECT_EQ(store.batches[0], std::vector<int>{0});
  EXPECT_EQ(store.batches[1], (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(observed, (std::vector<std::size_t>{1, 9}));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(answers[i].done);
    EXPECT_EQ(answers[i].value, 2 * i);
  }
  EXPECT_EQ(store.most_in_flight, 1);
}

TEST(WriteBatcher, BatchSizeIsBoundedAndOnlyOneBatchIsInFlight) {
  asio::io_context io;
  FakeStore store;
  Batcher batcher(store.settle(), 4);
  std::vector<Answer> answers(11);
  for (int i = 0; i < 11; ++i) submit(io, batcher, i, answers[i]);
  io.run();
  // The first goes at once alone; the ten queued behind it go 4, 4, 2, one after another.
  ASSERT_EQ(store.batches.size(), 4u);
  EXPECT_EQ(store.batches[0], std::vector<int>{0});
  EXPECT_EQ(store.batches[1], (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(store.batches[3], (std::vector<int>{9, 10}));
  EXPECT_EQ(batcher.largest_batch(), 4u);
  EXPECT_EQ(store.most_in_flight, 1);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(answers[i].value, 2 * i);
}

TEST(WriteBatcher, OneFailingItemDoesNotFailTheOthers) {
  asio::io_context io;
  FakeStore store;
  Batcher batcher(store.settle());
  std::vector<Answer> answers(4);
  const int requests[] = {1, 2, -3, 4};
  for (int i = 0; i < 4; ++i) submit(io, batcher, requests[i], answers[i]);
  io.run();
  EXPECT_EQ(answers[1].value, 4);
  EXPECT_TRUE(answers[1].error.empty());
  EXPECT_EQ(answers[2].error, "negative -3");
  EXPECT_EQ(answers[3].value, 8);
  EXPECT_TRUE(answers[3].error.empty());
}

TEST(WriteBatcher, AWholeBatchFailureReachesEveryRequestOfIt) {
  asio::io_context io;
  FakeStore store;
  store.fail_whole = std::make_exception_ptr(db::DbUnavailable("connection lost"));
  Batcher batcher(store.settle());
  std::vector<Answer> answers(5);
  for (int i = 0; i < 5; ++i) submit(io, batcher, i, answers[i]);
  io.run();
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.done);
    EXPECT_TRUE(answer.unavailable);
    EXPECT_EQ(answer.error, "connection lost");
  }
}

TEST(WriteBatcher, ADeadlockedBatchIsReportedAsUnavailable) {
  asio::io_context io;
  FakeStore store;
  store.fail_whole = std::make_exception_ptr(db::DbError("deadlock detected", "40P01", ""));
  Batcher batcher(store.settle());
  std::vector<Answer> answers(3);
  for (int i = 0; i < 3; ++i) submit(io, batcher, i, answers[i]);
  io.run();
  for (const auto& answer : answers) {
    EXPECT_TRUE(answer.unavailable) << answer.error;
    EXPECT_NE(answer.error.find("deadlock detected"), std::string::npos);
  }
}

TEST(WriteBatcher, OtherBatchErrorsPassThroughUnchanged) {
  asio::io_context io;
  FakeStore store;
  store.fail_whole = std::make_exception_ptr(db::DbError("syntax error", "42601", ""));
  Batcher batcher(store.settle());
  Answer answer;
  submit(io, batcher, 1, answer);
  io.run();
  EXPECT_FALSE(answer.unavailable);
  EXPECT_EQ(answer.error, "syntax error");
}

TEST(WriteBatcher, AShortAnswerFailsTheBatchInsteadOfGuessing) {
  asio::io_context io;
  Batcher batcher([](const std::vector<int>&) -> awaitable<std::vector<db::Settled<int>>> {
    co_return std::vector<db::Settled<int>>{};
  });
  Answer answer;
  submit(io, batcher, 1, answer);
  io.run();
  ASSERT_TRUE(answer.done);
  EXPECT_NE(answer.error.find("answered 0 of 1"), std::string::npos) << answer.error;
}

TEST(WriteBatcher, StartsAgainAfterGoingIdle) {
  asio::io_context io;
  FakeStore store;
  Batcher batcher(store.settle());
  Answer first, second;
  submit(io, batcher, 1, first);
  io.run();
  io.restart();
  submit(io, batcher, 2, second);
  io.run();
  EXPECT_EQ(first.value, 2);
  EXPECT_EQ(second.value, 4);
  EXPECT_EQ(batcher.batches(), 2u);
}

}  // namespace
