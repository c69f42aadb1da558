#include "platform/db/write_lane.hpp"

#include <utility>

namespace db {

WriteLane::WriteLane(PoolOptions options, const std::atomic<bool>* schema_ready)
    : work_(context_.get_executor()),
      pool_(std::make_unique<Pool>(context_.get_executor(), std::move(options), schema_ready)),
      thread_([this] { context_.run(); }) {}

WriteLane::~WriteLane() {
  stop();
}

void WriteLane::stop() {
  if (!thread_.joinable()) return;
  // The loop ends once nothing is left to do: a batch still in flight (after a forced stop,
  // requests may have been abandoned while their batch ran) finishes first, and so does any
  // batch queued behind it, each bounded by the statement deadline. Only then does the
  // pool go, its thread gone: no batch can still be using it.
  work_.reset();
  thread_.join();
  pool_.reset();
}

}  // namespace db
