#include "coupons/issue_batcher.hpp"

namespace coupons {

boost::asio::awaitable<IssueOutcome> issue_coupon(IssueBatcher& batcher, db::Pool& pool,
                                                  std::int64_t user_id, std::int64_t coupon_id,
                                                  SoldOutMemo* sold_out) {
  if (sold_out && sold_out->known_sold_out(coupon_id)) {
    // No write on the coupon's row: the answer is decided by a read (shared with concurrent
    // requests), so the holders and unknown users still get their own codes.
    // Awaited on its own line: g++ 12 mis-destroys temporaries that share a full-expression
    // with a co_await.
    const auto why = co_await sold_out->diagnose(user_id, coupon_id);
    co_return IssueOutcome{why_not_issued(why), {}};
  }
  auto outcome = co_await batcher.issue(pool, user_id, coupon_id);
  if (sold_out && outcome.kind == IssueOutcome::Kind::sold_out) sold_out->mark_sold_out(coupon_id);
  co_return outcome;
}

}  // namespace coupons
