#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/catalog_store.hpp"
#include "orders/orders_store.hpp"
#include "orders/payment_store.hpp"
#include "points/points_store.hpp"
#include "test_support.hpp"
#include "users/users_store.hpp"

namespace {

constexpr std::int64_t kNoSuchOrder = std::numeric_limits<std::int64_t>::max();

class PaymentBatchTest : public it::PoolTest<> {
 protected:
  std::int64_t create_user(std::int64_t balance) {
    auto id = it::run(ioc, users::create_user(*pool, it::unique_name("it-pay"))).id;
    if (balance > 0) it::run(ioc, points::charge(*pool, id, balance, 100'000'000));
    return id;
  }
  std::int64_t order(std::int64_t user, std::int64_t product, std::int64_t quantity) {
    auto placed =
        it::run(ioc, orders::place_order(*pool, user, {{product, quantity}}, std::nullopt, 600));
    EXPECT_EQ(placed.kind, orders::PlaceOutcome::Kind::placed);
    return placed.order.id;
  }
  std::string scalar(const std::string& sql) { return it::SyncConnection().scalar(sql); }
};

TEST_F(PaymentBatchTest, MixedOutcomesInOneBatchEachAsIfAlone) {
  catalog::Product spec{0, it::unique_name("it-pay-product"), "", 300, 100};
  const auto product = it::run(ioc, catalog::create_product(*pool, spec)).id;
  const auto a = create_user(1000);
  const auto b = create_user(1000);
  const auto o1 = order(a, product, 1);       // 300
  const auto o2 = order(a, product, 2);       // 600
  const auto o3 = order(a, product, 1);       // 300: short after o1 and o2
  const auto o_b = order(b, product, 1);      // b's order, paid with a's id
  const auto overdue = order(b, product, 1);  // past its window
  it::SyncConnection().exec(
      "UPDATE orders SET expires_at = now() - interval '1 second' "
      "WHERE id = " +
      std::to_string(overdue));

  auto outcomes = it::run(ioc, orders::pay_orders_at_once(*pool, {{a, o1},
                                                                  {a, kNoSuchOrder},
                                                                  {a, o2},
                                                                  {a, o_b},
                                                                  {a, o3},
                                                                  {a, o1},
                                                                  {b, overdue},
                                                                  {b, o_b}}));
  ASSERT_EQ(outcomes.size(), 8u);
  ASSERT_TRUE(outcomes[0]);
  EXPECT_EQ(outcomes[0]->paid_amount, 300);
  EXPECT_EQ(outcomes[0]->balance, 700);
  EXPECT_FALSE(outcomes[0]->paid_at.empty());
  EXPECT_FALSE(outcomes[1]);
  ASSERT_TRUE(outcomes[2]);
  EXPECT_EQ(outcomes[2]->balance, 100);  // sees o1's debit
  EXPECT_FALSE(outcomes[3]);             // not a's order
  EXPECT_FALSE(outcomes[4]);             // short balance: left for the full transaction
  EXPECT_FALSE(outcomes[5]);             // paid earlier in this very batch
  EXPECT_FALSE(outcomes[6]);             // overdue
  ASSERT_TRUE(outcomes[7]);
  EXPECT_EQ(outcomes[7]->balance, 700);

  const auto in = [](std::int64_t x) { return std::to_string(x); };
  EXPECT_EQ(scalar("SELECT string_agg(seq || ':' || type || ':' || balance_after || ':' || "
                   "coalesce(order_id::text, '-'), ' ' ORDER BY seq) FROM point_history "
                   "WHERE user_id = " +
                   in(a)),
            "1:CHARGE:1000:- 2:USE:700:" + in(o1) + " 3:USE:100:" + in(o2));
  EXPECT_EQ(scalar("SELECT string_agg(status, ',' ORDER BY id) FROM orders WHERE id IN (" + in(o1) +
                   "," + in(o2) + "," + in(o3) + "," + in(o_b) + "," + in(overdue) + ")"),
            "PAID,PAID,NOT_PAID,PAID,NOT_PAID");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox_events WHERE event_type = 'ORDER_PAID' AND "
                   "aggregate_id IN (" +
                   in(o1) + "," + in(o2) + "," + in(o3) + "," + in(o_b) + "," + in(overdue) + ")"),
            "3");
  EXPECT_EQ(
      scalar("SELECT payload->>'paidAmount' FROM outbox_events WHERE aggregate_id = " + in(o2)),
      "600");
  // Sold: o1, o2 and b's order (a running server may already have folded them).
  EXPECT_EQ(scalar("SELECT coalesce(sum(quantity), 0) FROM (SELECT product_id, quantity FROM "
                   "sales_pending UNION ALL SELECT product_id, quantity FROM daily_product_sales"
                   ") s WHERE product_id = " +
                   in(product)),
            "4");
}

}  // namespace
