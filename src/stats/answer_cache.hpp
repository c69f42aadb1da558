#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace stats {

// A small cache of rendered answers for one event loop (not thread-safe: each loop has
// its own, so hits never contend). Built for read bursts on data that may lag a little:
// - an entry younger than `fresh_for` is served as it is;
// - once older, the first request refreshes it while the others keep getting the old
//   answer, as long as it is younger than `serve_stale_for`;
// - with no usable entry, one request loads it and the others wait for that load.
// So a key costs at most one load at a time per loop however many requests arrive: no
// stampede when an entry expires.
class AnswerCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Loader = std::function<boost::asio::awaitable<std::string>()>;

  AnswerCache(Clock::duration fresh_for, Clock::duration serve_stale_for,
              std::size_t max_entries = 256);
  ~AnswerCache();

  boost::asio::awaitable<std::string> get(const std::string& key, const Loader& load);


 private:
  struct Entry;
  Clock::duration fresh_for_;
  Clock::duration serve_stale_for_;
  std::size_t max_entries_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;

  void make_room();
};

}  // namespace stats
