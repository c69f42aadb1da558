#include "coupons/issue_batcher.hpp"

#include <vector>

#include "platform/db/write_batch_metrics.hpp"

namespace coupons {

IssueBatcher::IssueBatcher(std::size_t max_in_flight, std::chrono::milliseconds max_queue_wait,
                           db::WriteLane* lane)
    : batcher_(
          [](db::Pool& pool, const std::vector<IssueRequest>& requests)
              -> boost::asio::awaitable<std::vector<db::Settled<IssueOutcome>>> {
            auto outcomes = co_await issue_coupons(pool, requests);
            co_return std::vector<db::Settled<IssueOutcome>>(outcomes.begin(), outcomes.end());
          },
          db::on_lane(db::WriteBatcher<IssueRequest, IssueOutcome>::Limits{kMaxBatch, max_in_flight,
                                                                           max_queue_wait},
                      lane),
          [](std::size_t size) { db::observe_write_batch(db::WriteKind::coupon_issue, size); }) {}

boost::asio::awaitable<IssueOutcome> issue_coupon(IssueBatcher& batcher, db::Pool& pool,
                                                  std::int64_t user_id, std::int64_t coupon_id,
                                                  SoldOutGate* gate) {
  if (gate && gate->known_sold_out(coupon_id)) {
    // No write on the coupon's row: the answer is decided by a read (shared with concurrent
    // requests), so the holders and unknown users still get their own codes.
    // Awaited on its own line: g++ 12 mis-destroys temporaries that share a full-expression
    // with a co_await.
    const auto why = co_await gate->diagnose(user_id, coupon_id);
    co_return IssueOutcome{why_not_issued(why), {}};
  }
  auto outcome = co_await batcher.issue(pool, user_id, coupon_id);
  if (gate && outcome.kind == IssueOutcome::Kind::sold_out) gate->mark_sold_out(coupon_id);
  co_return outcome;
}

}  // namespace coupons
