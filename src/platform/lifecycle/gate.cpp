#include "platform/lifecycle/gate.hpp"

#include <utility>

namespace lifecycle {

Gate::Pass::Pass(Pass&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}

Gate::Pass::~Pass() {
  if (gate_) gate_->leave();
}

Gate::Gate(boost::asio::any_io_executor executor) : emptied_(executor) {}

std::optional<Gate::Pass> Gate::try_enter() {
  if (closed_) return std::nullopt;
  ++inside_;
  return Pass(this);
}

void Gate::leave() {
  --inside_;
  if (closed_ && inside_ == 0) emptied_.notify();
}

boost::asio::awaitable<bool> Gate::close(std::chrono::steady_clock::duration timeout) {
  closed_ = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (inside_ > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) co_return false;
    co_await emptied_.wait_for(deadline - now);
  }
  co_return true;
}

}  // namespace lifecycle
