#pragma once

#include "coupons/issue_batcher.hpp"
#include "orders/order_batcher.hpp"
#include "orders/payment_batcher.hpp"
#include "platform/config/config.hpp"
#include "points/charge_batcher.hpp"

namespace app {

// The instance's batched writes, one batcher per kind shared by every event loop, so that
// the requests waiting on all loops go into one batch (see db::WriteBatcher).
struct WriteBatchers {
  explicit WriteBatchers(const config::Config& config)
      : charges(config.points_max_balance, config.write_batches_in_flight, config.request_deadline),
        orders(config.order_payment_timeout_seconds, config.write_batches_in_flight,
               config.request_deadline),
        payments(config.write_batches_in_flight, config.request_deadline),
        coupon_issues(config.write_batches_in_flight, config.request_deadline) {}

  points::ChargeBatcher charges;
  orders::OrderBatcher orders;
  orders::PaymentBatcher payments;
  coupons::IssueBatcher coupon_issues;
};

}  // namespace app
