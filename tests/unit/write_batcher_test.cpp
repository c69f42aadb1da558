#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "platform/db/errors.hpp"
#include "platform/db/write_batcher.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;
// What a batch runs with: in the service, the starting loop's pool.
struct FakeLane {
  int id = 0;
};
using Batcher = db::WriteBatcher<int, int, FakeLane>;

// A settle step that takes a little (timer) time, records each batch, and doubles each
// request; a negative request fails on its own, and `fail_whole` makes the batch throw.
// Batches may run on several threads (loops): what it records is under a mutex.
struct FakeStore {
  std::mutex mutex;
  std::vector<std::vector<int>> batches;
  std::vector<int> lanes;  // the lane each batch ran with
  int in_flight = 0;
  int most_in_flight = 0;
  std::exception_ptr fail_whole;
  std::chrono::milliseconds delay{5};

  std::size_t batches_started() {
    const std::lock_guard lock(mutex);
    return batches.size();
  }

  Batcher::Settle settle() {
    return [this](FakeLane& lane,
                  const std::vector<int>& requests) -> awaitable<std::vector<db::Settled<int>>> {
      {
        const std::lock_guard lock(mutex);
        batches.push_back(requests);
        lanes.push_back(lane.id);
        most_in_flight = std::max(most_in_flight, ++in_flight);
      }
      asio::steady_timer wait(co_await asio::this_coro::executor, delay);
      co_await wait.async_wait(asio::use_awaitable);
      {
        const std::lock_guard lock(mutex);
        --in_flight;
      }
      if (fail_whole) std::rethrow_exception(fail_whole);
      std::vector<db::Settled<int>> out;
      for (int r : requests) {
        if (r < 0) {
          out.emplace_back(
              std::make_exception_ptr(std::invalid_argument("negative " + std::to_string(r))));
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

void submit(asio::io_context& io, Batcher& batcher, int request, Answer& answer, FakeLane& lane) {
  asio::co_spawn(
      io,
      [&batcher, request, &answer, &lane]() -> awaitable<void> {
        try {
          answer.value = co_await batcher.submit(lane, request);
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

FakeLane only_lane;

void submit(asio::io_context& io, Batcher& batcher, int request, Answer& answer) {
  submit(io, batcher, request, answer, only_lane);
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
  Batcher batcher(store.settle(), {64}, [&](std::size_t n) { observed.push_back(n); });
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
  Batcher batcher(store.settle(), {4});
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
  Batcher batcher(
      [](FakeLane&, const std::vector<int>&) -> awaitable<std::vector<db::Settled<int>>> {
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

TEST(WriteBatcher, AtMostMaxInFlightBatchesRunAtOnce) {
  asio::io_context io;
  FakeStore store;
  Batcher batcher(store.settle(), {4, 2});
  std::vector<Answer> answers(11);
  for (int i = 0; i < 11; ++i) submit(io, batcher, i, answers[i]);
  io.run();
  // The first two requests each go at once in a batch of their own, side by side; the nine
  // queued behind them go 4, 4, 1 as those two batches end.
  ASSERT_EQ(store.batches.size(), 5u);
  EXPECT_EQ(store.batches[0], std::vector<int>{0});
  EXPECT_EQ(store.batches[1], std::vector<int>{1});
  EXPECT_EQ(store.batches[2], (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(store.batches[3], (std::vector<int>{6, 7, 8, 9}));
  EXPECT_EQ(store.batches[4], std::vector<int>{10});
  EXPECT_EQ(store.most_in_flight, 2);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(answers[i].value, 2 * i);
}

TEST(WriteBatcher, ARequestQueuedTooLongBehindAStuckBatchAnswersUnavailableUnapplied) {
  // The first batch takes 300 ms (a connection that stopped answering); requests queued
  // behind it give up after 50 ms, unapplied, instead of waiting for it; the stuck batch's
  // own request still gets its answer.
  asio::io_context io;
  FakeStore store;
  store.delay = std::chrono::milliseconds(300);
  Batcher batcher(store.settle(), {64, 1, std::chrono::milliseconds(50)});
  std::vector<Answer> answers(4);
  for (int i = 0; i < 4; ++i) submit(io, batcher, i, answers[i]);
  io.run();
  ASSERT_EQ(store.batches.size(), 1u);
  EXPECT_EQ(store.batches[0], std::vector<int>{0});
  EXPECT_EQ(answers[0].value, 0);
  EXPECT_TRUE(answers[0].error.empty()) << answers[0].error;
  for (int i = 1; i < 4; ++i) {
    EXPECT_TRUE(answers[i].unavailable) << i << " " << answers[i].error;
    EXPECT_NE(answers[i].error.find("nothing applied"), std::string::npos) << answers[i].error;
  }
}

TEST(WriteBatcher, RequestsOfOtherLoopsJoinTheBatchInFlightsNextOne) {
  // Two event loops on two threads share one batcher. Loop A's lone request starts a batch
  // on A's lane; the five requests loop B sends meanwhile go together in the next batch,
  // run on A's lane too, and each answer comes back on loop B.
  asio::io_context loop_a, loop_b;
  FakeLane lane_a{1}, lane_b{2};
  FakeStore store;
  store.delay = std::chrono::milliseconds(200);  // B's requests arrive well within it
  Batcher batcher(store.settle());
  Answer first;
  std::vector<Answer> others(5);
  std::vector<std::thread::id> answered_on(5);
  submit(loop_a, batcher, 100, first, lane_a);
  std::thread thread_a([&] { loop_a.run(); });
  while (store.batches_started() == 0) std::this_thread::yield();
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(
        loop_b,
        [&, i]() -> awaitable<void> {
          others[i].value = co_await batcher.submit(lane_b, i);
          answered_on[i] = std::this_thread::get_id();
          others[i].done = true;
        },
        asio::detached);
  }
  std::thread thread_b([&] { loop_b.run(); });
  const auto loop_b_thread = thread_b.get_id();
  thread_a.join();
  thread_b.join();
  EXPECT_EQ(first.value, 200);
  ASSERT_EQ(store.batches.size(), 2u);
  EXPECT_EQ(store.batches[1], (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(store.lanes, (std::vector<int>{1, 1}));
  EXPECT_EQ(store.most_in_flight, 1);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(others[i].done);
    EXPECT_EQ(others[i].value, 2 * i);
    EXPECT_EQ(answered_on[i], loop_b_thread);
  }
}

TEST(WriteBatcher, WithAHomeLaneEveryBatchRunsThereAndAnswersGoBackToEachLoop) {
  // The instance's write lane: batches run on a loop of their own with its lane, whichever
  // loop submits; requests of two loops share the batches and get their answers on their
  // own loops.
  asio::io_context home, loop_a, loop_b;
  FakeLane home_lane{7}, lane_a{1}, lane_b{2};
  FakeStore store;
  std::mutex settled_on_mutex;
  std::vector<std::thread::id> settled_on;  // the thread each batch started on
  Batcher::Settle settle = [&, inner = store.settle()](FakeLane& lane, const std::vector<int>& r) {
    {
      const std::lock_guard lock(settled_on_mutex);
      settled_on.push_back(std::this_thread::get_id());
    }
    return inner(lane, r);
  };
  Batcher::Limits limits;
  limits.home_connections = &home_lane;
  limits.home_executor = home.get_executor();
  Batcher batcher(settle, limits);
  auto home_work = asio::make_work_guard(home);
  std::thread home_thread([&] { home.run(); });
  const auto home_id = home_thread.get_id();
  std::vector<Answer> answers(6);
  std::vector<std::thread::id> answered_on(6);
  for (int i = 0; i < 6; ++i) {
    asio::io_context& loop = i % 2 == 0 ? loop_a : loop_b;
    FakeLane& lane = i % 2 == 0 ? lane_a : lane_b;
    asio::co_spawn(
        loop,
        [&, i]() -> awaitable<void> {
          answers[i].value = co_await batcher.submit(lane, i);
          answered_on[i] = std::this_thread::get_id();
          answers[i].done = true;
        },
        asio::detached);
  }
  std::thread thread_a([&] { loop_a.run(); });
  std::thread thread_b([&] { loop_b.run(); });
  const auto a = thread_a.get_id(), b = thread_b.get_id();
  thread_a.join();
  thread_b.join();
  home_work.reset();
  home_thread.join();
  ASSERT_FALSE(settled_on.empty());
  for (auto id : settled_on) EXPECT_EQ(id, home_id);
  for (int lane : store.lanes) EXPECT_EQ(lane, 7);
  EXPECT_EQ(store.most_in_flight, 1);
  std::size_t settled = 0;
  for (const auto& batch : store.batches) settled += batch.size();
  EXPECT_EQ(settled, 6u);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(answers[i].done);
    EXPECT_EQ(answers[i].value, 2 * i);
    EXPECT_EQ(answered_on[i], i % 2 == 0 ? a : b);
  }
}

TEST(WriteBatcher, AHomeLaneWithoutItsExecutorIsRefused) {
  FakeStore store;
  FakeLane home_lane{7};
  Batcher::Limits limits;
  limits.home_connections = &home_lane;
  EXPECT_THROW(Batcher(store.settle(), limits), std::invalid_argument);
}

}  // namespace
