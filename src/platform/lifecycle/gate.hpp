#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "platform/async/wake_up.hpp"

namespace lifecycle {

// Shutdown gate for the work of one event loop, after Seastar's gate: each unit of work
// (a request) holds a Pass while it runs; close() stops new passes and waits until the
// last one is returned, so what the work uses can then be torn down safely.
// Not thread-safe: use it on its loop.
class Gate {
 public:
  class Pass {
   public:
    Pass(Pass&& other) noexcept;
    Pass& operator=(Pass&&) = delete;
    Pass(const Pass&) = delete;
    ~Pass();

   private:
    friend class Gate;
    explicit Pass(Gate* gate) : gate_(gate) {}
    Gate* gate_;
  };

  explicit Gate(boost::asio::any_io_executor executor);

  // A pass while the gate is open; nullopt once close() was called.
  std::optional<Pass> try_enter();
  // Closes the gate and waits until every pass is back, or `timeout` passes; true when the
  // gate is empty.
  boost::asio::awaitable<bool> close(std::chrono::steady_clock::duration timeout);
  bool closed() const { return closed_; }
  std::size_t inside() const { return inside_; }

 private:
  void leave();

  std::size_t inside_ = 0;
  bool closed_ = false;
  async::WakeUp emptied_;
};

}  // namespace lifecycle
