#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "platform/db/request_batcher.hpp"

namespace db {

// Read-only lookups coalesced into few statements (db::RequestBatcher): lookups that arrive
// while `max_in_flight` fetches are already running wait for the next fetch, which answers
// all of them with one statement (e.g. `WHERE id = ANY($1)`). Under load one statement then
// serves many requests; under light load each lookup still gets a fetch of its own at once.
// A lookup only joins a fetch that has not started yet, so its answer always comes from a
// snapshot taken after the lookup began: the data is as fresh as a query of its own.
// If a fetch throws, every lookup of it gets the error. Use only for reads.
template <typename Key, typename Value>
class BatchedLookup {
 public:
  // Answers for `keys`, one per key in the same order (nullopt: nothing found; keys past
  // the end of a shorter answer are not found).
  using Fetch = std::function<boost::asio::awaitable<std::vector<std::optional<Value>>>(
      const std::vector<Key>& keys)>;

  explicit BatchedLookup(Fetch fetch, std::size_t max_in_flight = 2, std::size_t max_batch = 256)
      : fetch_(std::move(fetch)),
        batcher_([this](NoLane&, const std::vector<Key>& keys) { return fetch_all(keys); },
                 {max_batch, max_in_flight}) {}

  boost::asio::awaitable<std::optional<Value>> get(Key key) {
    return batcher_.submit(lane_, std::move(key));
  }

  std::uint64_t fetches() const { return batcher_.batches(); }  // statements sent, for tests

 private:
  struct NoLane {};  // the fetch holds what it needs

  boost::asio::awaitable<std::vector<Settled<std::optional<Value>>>> fetch_all(
      const std::vector<Key>& keys) {
    auto values = co_await fetch_(keys);
    values.resize(keys.size());
    std::vector<Settled<std::optional<Value>>> answers;
    answers.reserve(values.size());
    for (auto& value : values) answers.emplace_back(std::move(value));
    co_return answers;
  }

  Fetch fetch_;
  NoLane lane_;
  RequestBatcher<Key, std::optional<Value>, NoLane> batcher_;
};

}  // namespace db
