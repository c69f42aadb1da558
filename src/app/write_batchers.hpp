#pragma once

#include "coupons/issue_batcher.hpp"
#include "orders/order_batcher.hpp"
#include "orders/payment_batcher.hpp"
#include "platform/config/config.hpp"
#include "platform/db/write_lane.hpp"
#include "points/charge_batcher.hpp"

namespace app {

// The instance's batched writes, one batcher per kind shared by every event loop, so that
// the requests waiting on all loops go into one batch (see db::WriteBatcher). Their batches
// run on `lane` (its pool has a connection for each batch that may be in flight: see
// ConnectionBudget::writes); with none (the HTTP fuzzer, which has one loop and no
// database), on the loop of the request that starts each batch.
struct WriteBatchers {
  // `sizes`: where batch sizes are recorded (null: nowhere).
  WriteBatchers(const config::Config& config, db::WriteLane* lane,
                db::WriteBatchSizes* sizes = nullptr)
      : charges(config.points_max_balance, limits(config, lane, sizes)),
        orders(config.order_payment_timeout_seconds, limits(config, lane, sizes)),
        payments(limits(config, lane, sizes)),
        coupon_issues(limits(config, lane, sizes)) {}

  static db::BatchedWriteLimits limits(const config::Config& config, db::WriteLane* lane,
                                       db::WriteBatchSizes* sizes) {
    db::BatchedWriteLimits limits;
    limits.max_in_flight = config.write_batches_in_flight;
    limits.max_queue_wait = config.request_deadline;
    limits.lane = lane;
    limits.sizes = sizes;
    return limits;
  }

  points::ChargeBatcher charges;
  orders::OrderBatcher orders;
  orders::PaymentBatcher payments;
  coupons::IssueBatcher coupon_issues;
};

}  // namespace app
