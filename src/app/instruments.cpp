#include "app/instruments.hpp"

#include "events/outbox_metrics.hpp"
#include "stats/best_sellers_routes.hpp"

namespace app {

Instruments::Instruments(unsigned loops, bool with_replica,
                         std::shared_ptr<const db::AnswerWatch> answer_watch)
    : http(loops), answers(std::move(answer_watch)) {
  observability.http = &http;
  observability.snapshot = &snapshot;
  observability.collectors.push_back([this](db::Pool& pool, std::string& out) {
    return stats::write_metrics(best_sellers, pool, out);
  });
  observability.collectors.push_back(
      [this](db::Pool&, std::string& out) { return events::write_relay_metrics(relay, out); });
  observability.database_collectors.push_back(events::write_backlog_metrics);
  observability.collectors.push_back(
      [this](db::Pool&, std::string& out) -> boost::asio::awaitable<void> {
        batch_sizes.write_metrics(out);
        co_return;
      });
  if (answers) {
    observability.collectors.push_back(
        [this](db::Pool&, std::string& out) -> boost::asio::awaitable<void> {
          db::write_outcome_metrics(*answers, out);
          co_return;
        });
  }
  if (with_replica) {
    observability.collectors.push_back(
        [this](db::Pool&, std::string& out) -> boost::asio::awaitable<void> {
          if (replica != nullptr) replica->write_metrics(out);
          co_return;
        });
  }
}

}  // namespace app
