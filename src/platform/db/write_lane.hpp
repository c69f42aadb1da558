#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "platform/db/pool.hpp"

namespace db {

// Where an instance's batched writes run (db::WriteBatcher): an event loop on a thread of
// its own, with a pool of its own.
//
// Why not on the HTTP loops: a batch's answer arrives on its connection while the loop is
// busy parsing and answering requests, and waits behind them; the next batch, which every
// queued write waits for, starts only after (measured: docs/scaling.md, "Batches on a
// loop of their own"). This loop does little
// besides: send a batch, read its answer, hand the answers to the requests' loops, send
// the next, so it is ready when the answer comes.
class WriteLane {
 public:
  // `options.max_connections`: one per batch that may be in flight at once.
  WriteLane(PoolOptions options, const std::atomic<bool>* schema_ready);
  ~WriteLane();
  WriteLane(const WriteLane&) = delete;
  WriteLane& operator=(const WriteLane&) = delete;

  // Lives on this lane's loop: use it there (a batcher's home lane).
  Pool& pool() { return *pool_; }
  boost::asio::any_io_executor executor() { return context_.get_executor(); }

  // Lets the batches in flight finish, ends the thread, then closes the connections. Call
  // once no request can start a batch any more (the HTTP loops have ended). Idempotent;
  // the destructor calls it.
  void stop();

 private:
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<Pool> pool_;
  std::thread thread_;
};

// `limits` (a db::WriteBatcher's) with its batches on `lane`; a null lane leaves them on
// the loops of the requests that start them.
template <typename Limits>
Limits on_lane(Limits limits, WriteLane* lane) {
  if (lane != nullptr) {
    limits.home_connections = &lane->pool();
    limits.home_executor = lane->executor();
  }
  return limits;
}

}  // namespace db
