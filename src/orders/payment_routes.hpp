#pragma once

#include "events/outbox_wakeup.hpp"
#include "orders/payment_batcher.hpp"
#include "platform/db/pool.hpp"
#include "platform/http/router.hpp"

namespace orders {

// What these routes use, built by app/.
struct PaymentDeps {
  db::Pool& db;
  PaymentBatcher& payments;
  // Told about the events a payment committed, so the outbox relay sends them at once.
  events::OutboxWakeup& outbox_wakeup;
};

// An order's payment with points: POST /api/v1/points/use.
void add_payment_routes(http::Router& router, const PaymentDeps& deps);

}  // namespace orders
