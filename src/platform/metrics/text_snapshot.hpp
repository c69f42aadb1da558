#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace metrics {

// The last rendering of metrics that are costly to compute (database queries, hops to other
// loops): one background task publishes it, every scrape reads it. Thread-safe; a read
// copies a pointer, never the text.
class TextSnapshot {
 public:
  std::shared_ptr<const std::string> last() const {
    std::lock_guard lock(mutex_);
    return text_;
  }
  void publish(std::string text) {
    auto next = std::make_shared<const std::string>(std::move(text));
    std::lock_guard lock(mutex_);
    text_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> text_ = std::make_shared<const std::string>();
};

}  // namespace metrics
