#pragma once

#include <cstdint>
#include <unordered_set>

namespace coupons {

// Coupons this event loop has seen sold out. A coupon's remaining quantity only ever goes
// down, so "sold out" is final: once seen, an issue request can skip the UPDATE on the
// coupon's (hot) row and go straight to the read-only diagnosis, which still decides the
// answer from the database (an unknown user or a holder gets their own error first).
// One per loop, so no locking; a loop that has not seen it yet just asks the database.
class SoldOutGate {
 public:
  bool known_sold_out(std::int64_t coupon_id) const { return sold_out_.contains(coupon_id); }
  void mark_sold_out(std::int64_t coupon_id) { sold_out_.insert(coupon_id); }

 private:
  std::unordered_set<std::int64_t> sold_out_;
};

}  // namespace coupons
