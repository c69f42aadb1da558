#include "platform/tasks/periodic_task.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "platform/db/errors.hpp"

namespace tasks {

namespace asio = boost::asio;
using std::chrono::milliseconds;

PeriodicTask::PeriodicTask(asio::any_io_executor executor, std::string name,
                           PeriodicSettings settings, Step step)
    : executor_(executor),
      name_(std::move(name)),
      settings_(settings),
      step_(std::move(step)),
      wake_(executor),
      finished_(executor),
      random_(std::random_device{}()) {}

PeriodicTask::~PeriodicTask() = default;

void PeriodicTask::start() {
  if (started_ || stopping_) return;
  started_ = true;
  running_ = true;
  asio::co_spawn(executor_, run(), asio::detached);
}

asio::awaitable<void> PeriodicTask::stop() {
  stopping_ = true;
  wake_.notify();
  while (running_) {
    co_await finished_.wait();
  }
}

asio::awaitable<void> PeriodicTask::run() {
  while (!stopping_) {
    bool failed = false;
    try {
      co_await step_();
      backoff_ = milliseconds(0);
    } catch (const db::DbUnavailable& error) {
      // The database is down or not migrated yet: back off, then try again.
      failed = true;
      spdlog::debug("msg=\"background task waits for the database\" task={} error=\"{}\"", name_,
                    error.what());
    } catch (const std::exception& error) {
      spdlog::error("msg=\"background task failed\" task={} error=\"{}\"", name_, error.what());
    }
    if (stopping_) break;
    co_await wake_.wait_for(next_sleep(failed));
  }
  running_ = false;
  finished_.notify();
}

milliseconds PeriodicTask::next_sleep(bool failed) {
  if (failed) {
    backoff_ = backoff_.count() == 0 ? settings_.failure_backoff
                                     : std::min(backoff_ * 2, settings_.max_backoff);
    return backoff_;
  }
  const double spread = settings_.jitter * static_cast<double>(settings_.period.count());
  std::uniform_real_distribution<double> offset(-spread, spread);
  const auto sleep = static_cast<double>(settings_.period.count()) + offset(random_);
  return milliseconds(std::max<long long>(1, static_cast<long long>(sleep)));
}

}  // namespace tasks
