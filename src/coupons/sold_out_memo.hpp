#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "platform/db/batched_lookup.hpp"
#include "platform/db/pool.hpp"

namespace coupons {

// What the database says about an issue request that got no coupon.
struct IssueDiagnosis {
  bool user_exists = false;
  bool window_open = false;
  bool already_issued = false;
  std::int64_t remaining = 0;
};

// The fast path of a rush, for one event loop. A coupon's remaining quantity only ever goes
// down, so "sold out" is final: once this loop has seen a coupon sold out, its issue
// requests skip the UPDATE on the coupon's (hot) row and are answered by a read-only
// diagnosis, coalesced with the loop's concurrent ones into one statement (so an unknown
// user or a holder still gets their own error first). Not thread-safe: one per loop; a
// loop that has not seen the sell-out yet just asks the database the usual way.
class SoldOutMemo {
 public:
  explicit SoldOutMemo(db::Pool& pool);

  bool known_sold_out(std::int64_t coupon_id) const { return sold_out_.contains(coupon_id); }
  void mark_sold_out(std::int64_t coupon_id) { sold_out_.insert(coupon_id); }

  // nullopt: no such coupon.
  boost::asio::awaitable<std::optional<IssueDiagnosis>> diagnose(std::int64_t user_id,
                                                                 std::int64_t coupon_id) {
    return diagnoses_.get({user_id, coupon_id});
  }

 private:
  std::unordered_set<std::int64_t> sold_out_;
  db::BatchedLookup<std::pair<std::int64_t, std::int64_t>, IssueDiagnosis> diagnoses_;
};

}  // namespace coupons
