#include "stats/answer_cache.hpp"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/this_coro.hpp>

#include "platform/async/wake_up.hpp"

namespace stats {

struct AnswerCache::Entry {
  std::optional<std::string> answer;
  Clock::time_point loaded_at{};
  bool loading = false;
  std::uint64_t loads = 0;  // finished loads: a waiter takes the one it waited for
  // The requests waiting for the load in flight, each on its own wake-up (they live in the
  // waiters' coroutine frames); the loader wakes them all when it is done.
  std::vector<async::WakeUp*> waiting;
};

AnswerCache::AnswerCache(Clock::duration fresh_for, Clock::duration serve_stale_for,
                         std::size_t max_entries)
    : fresh_for_(fresh_for), serve_stale_for_(serve_stale_for), max_entries_(max_entries) {}

AnswerCache::~AnswerCache() = default;

void AnswerCache::make_room() {
  if (entries_.size() < max_entries_) return;
  const auto now = Clock::now();
  std::erase_if(entries_, [&](const auto& item) {
    const auto& entry = *item.second;
    return !entry.loading && (!entry.answer || now - entry.loaded_at >= serve_stale_for_);
  });
  // Still full of live keys (a scan over many dates): start over rather than grow.
  if (entries_.size() >= max_entries_) {
    std::erase_if(entries_, [](const auto& item) { return !item.second->loading; });
  }
}

boost::asio::awaitable<std::string> AnswerCache::get(const std::string& key, const Loader& load) {
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    make_room();
    found = entries_.emplace(key, std::make_shared<Entry>()).first;
  }
  // Held across suspensions: make_room may drop the map's reference meanwhile.
  std::shared_ptr<Entry> entry = found->second;
  for (;;) {
    const auto now = Clock::now();
    const auto age = now - entry->loaded_at;
    if (entry->answer && age < fresh_for_) co_return *entry->answer;
    if (entry->loading) {
      if (entry->answer && age < serve_stale_for_) co_return *entry->answer;
      const auto loads_before = entry->loads;
      const auto executor = co_await boost::asio::this_coro::executor;
      async::WakeUp load_done(executor);
      entry->waiting.push_back(&load_done);
      co_await load_done.wait();
      // The answer loaded while this request waited is as fresh as any it could get, even
      // if that load took longer than fresh_for.
      if (entry->loads != loads_before && entry->answer) co_return *entry->answer;
      continue;  // the load failed and someone must try again
    }
    entry->loading = true;
    std::exception_ptr failure;
    // The answer is as old as the data it was read from: it ages from the load's start
    // (no later than the snapshot it reads), not from when the load finished.
    const auto load_started = Clock::now();
    try {
      std::string answer = co_await load();
      entry->answer = std::move(answer);
      entry->loaded_at = load_started;
      ++entry->loads;
    } catch (...) {
      failure = std::current_exception();
    }
    entry->loading = false;
    for (auto* waiter : std::exchange(entry->waiting, {})) waiter->notify();
    if (failure) std::rethrow_exception(failure);
    co_return *entry->answer;
  }
}

}  // namespace stats
