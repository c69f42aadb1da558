#pragma once

#include <algorithm>
#include <concepts>
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
// Lookups of the same key in one fetch share one answer: the fetch is asked for each key
// once (when keys are totally ordered), so a popular key (the first page of the product
// list) costs the database once per statement however many requests want it.
// If a fetch throws, every lookup of it gets the error. Use only for reads.
// One fetch in flight by default: with two per loop, the statements carried about 4.5
// product-list pages each at 64 connections, and PostgreSQL spent its CPU on statements
// rather than rows; with one, fewer and larger statements served 5-25 % more reads on the
// same cores (docs/scaling.md, "Reads: one coalesced fetch in flight per loop").
template <typename Key, typename Value>
class BatchedLookup {
 public:
  // Answers for `keys`, one per key in the same order (nullopt: nothing found; keys past
  // the end of a shorter answer are not found).
  using Fetch = std::function<boost::asio::awaitable<std::vector<std::optional<Value>>>(
      const std::vector<Key>& keys)>;

  explicit BatchedLookup(Fetch fetch, std::size_t max_in_flight = 1, std::size_t max_batch = 256)
      : fetch_(std::move(fetch)),
        batcher_([this](NoConnections&, const std::vector<Key>& keys) { return fetch_all(keys); },
                 {max_batch, max_in_flight}) {}

  boost::asio::awaitable<std::optional<Value>> get(Key key) {
    return batcher_.submit(no_connections_, std::move(key));
  }

  std::uint64_t fetches() const { return batcher_.batches(); }  // statements sent, for tests

 private:
  struct NoConnections {};  // the fetch holds what it needs

  boost::asio::awaitable<std::vector<Settled<std::optional<Value>>>> fetch_all(
      const std::vector<Key>& keys) {
    if constexpr (std::totally_ordered<Key>) {
      const auto unique = distinct(keys);
      if (unique.keys.size() < keys.size()) {
        auto values = co_await fetch_(unique.keys);
        values.resize(unique.keys.size());
        std::vector<Settled<std::optional<Value>>> answers;
        answers.reserve(keys.size());
        for (const auto slot : unique.slot_of) answers.emplace_back(values[slot]);
        co_return answers;
      }
    }
    auto values = co_await fetch_(keys);
    values.resize(keys.size());
    std::vector<Settled<std::optional<Value>>> answers;
    answers.reserve(values.size());
    for (auto& value : values) answers.emplace_back(std::move(value));
    co_return answers;
  }

  struct Distinct {
    std::vector<Key> keys;             // each once, in the order they first appear
    std::vector<std::size_t> slot_of;  // the i-th lookup's key is keys[slot_of[i]]
  };

  static Distinct distinct(const std::vector<Key>& keys) {
    std::vector<std::size_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&keys](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    // first_of[i]: the index of the first occurrence of keys[i] (never after i).
    std::vector<std::size_t> first_of(keys.size());
    for (std::size_t at = 0; at < order.size(); ++at) {
      const bool same_as_previous = at > 0 && keys[order[at - 1]] == keys[order[at]];
      first_of[order[at]] = same_as_previous ? first_of[order[at - 1]] : order[at];
    }
    Distinct unique;
    unique.slot_of.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (first_of[i] == i) {
        unique.slot_of[i] = unique.keys.size();
        unique.keys.push_back(keys[i]);
      } else {
        unique.slot_of[i] = unique.slot_of[first_of[i]];
      }
    }
    return unique;
  }

  Fetch fetch_;
  NoConnections no_connections_;
  RequestBatcher<Key, std::optional<Value>, NoConnections> batcher_;
};

}  // namespace db
