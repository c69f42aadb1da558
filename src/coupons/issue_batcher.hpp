#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "coupons/coupons_store.hpp"
#include "coupons/sold_out_memo.hpp"
#include "platform/db/batched_write.hpp"
#include "platform/db/pool.hpp"

namespace coupons {

// Coupon issue requests of one instance, settled in batches (db::BatchedWrite of IssueBatch): the
// requests that arrive while a batch is in flight, on any event loop, go together in the next one,
// one statement and one commit for all of them, each with exactly its own outcome. In a rush every
// request writes the same coupon row; batched, that row is locked once per batch instead of once
// per request.
class IssueBatcher {
 public:
  explicit IssueBatcher(db::BatchedWriteLimits limits) : batch_(IssueBatch{}, limits) {}

  // `pool` is the calling loop's. The batches run on `lane` when there is one (the
  // service's: db::WriteLane), else on the pool and loop of the request that starts them.
  boost::asio::awaitable<IssueOutcome> issue(db::Pool& pool, std::int64_t user_id,
                                             std::int64_t coupon_id) {
    return batch_.submit(pool, IssueRequest{user_id, coupon_id});
  }
  std::uint64_t batches() const { return batch_.batches(); }

 private:
  db::BatchedWrite<IssueBatch> batch_;
};

// One issue request: a coupon this loop has seen sold out is answered from `sold_out`'s
// coalesced read-only diagnosis (no write on the coupon's row); any other joins the
// instance's next issue batch, and a SOLD_OUT answer teaches the memo. `sold_out` may be null.
boost::asio::awaitable<IssueOutcome> issue_coupon(IssueBatcher& batcher, db::Pool& pool,
                                                  std::int64_t user_id, std::int64_t coupon_id,
                                                  SoldOutMemo* sold_out = nullptr);

}  // namespace coupons
