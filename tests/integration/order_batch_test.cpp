#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/catalog_store.hpp"
#include "orders/orders_store.hpp"
#include "test_support.hpp"
#include "users/users_store.hpp"

namespace {

constexpr std::int64_t kNoSuchId = std::numeric_limits<std::int64_t>::max();

class OrderBatchTest : public it::PoolTest<> {
 protected:
  std::int64_t create_user() {
    return it::run(ioc, users::create_user(*pool, it::unique_name("it-order"))).id;
  }
  std::int64_t create_product(std::int64_t price, std::int64_t stock) {
    catalog::Product spec{0, it::unique_name("it-order-product"), "", price, stock};
    return it::run(ioc, catalog::create_product(*pool, spec)).id;
  }
  std::string scalar(const std::string& sql) { return it::SyncConnection().scalar(sql); }
};

TEST_F(OrderBatchTest, FirstComeFirstServedEachAsIfAlone) {
  const auto hot = create_product(300, 5);
  const auto other = create_product(1000, 10);
  const auto a = create_user();
  const auto b = create_user();

  auto outcomes = it::run(ioc, orders::place_orders_at_once(*pool,
                                                            {{a, hot, 3},
                                                             {b, hot, 3},  // 2 left: refused
                                                             {a, kNoSuchId, 1},
                                                             {kNoSuchId, other, 1},
                                                             {b, other, 4},
                                                             {b, hot, 2},  // takes the last 2
                                                             {a, hot, 1}},
                                                            600));
  ASSERT_EQ(outcomes.size(), 7u);
  ASSERT_TRUE(outcomes[0]);
  EXPECT_FALSE(outcomes[1]);
  EXPECT_FALSE(outcomes[2]);
  EXPECT_FALSE(outcomes[3]);
  ASSERT_TRUE(outcomes[4]);
  ASSERT_TRUE(outcomes[5]);
  EXPECT_FALSE(outcomes[6]);

  const auto& first = *outcomes[0];
  EXPECT_EQ(first.user_id, a);
  EXPECT_EQ(first.status, "NOT_PAID");
  EXPECT_EQ(first.total_amount, 900);
  EXPECT_EQ(first.pay_amount, 900);
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.items[0].unit_price, 300);
  EXPECT_EQ(first.items[0].amount, 900);
  EXPECT_FALSE(first.created_at.empty());
  EXPECT_LT(first.created_at, first.expires_at);
  EXPECT_EQ(outcomes[4]->total_amount, 4000);
  EXPECT_EQ(outcomes[5]->user_id, b);

  // The answers are what a read of each order says, and the stock is what was taken.
  for (const auto* placed : {&*outcomes[0], &*outcomes[4], &*outcomes[5]}) {
    auto stored = it::run(ioc, orders::find_order(*pool, placed->id, placed->user_id));
    ASSERT_EQ(stored.kind, orders::FindOutcome::Kind::found);
    EXPECT_EQ(stored.order.total_amount, placed->total_amount);
    EXPECT_EQ(stored.order.created_at, placed->created_at);
    EXPECT_EQ(stored.order.expires_at, placed->expires_at);
    ASSERT_EQ(stored.order.items.size(), 1u);
    EXPECT_EQ(stored.order.items[0].quantity, placed->items[0].quantity);
  }
  EXPECT_EQ(scalar("SELECT stock FROM products WHERE id = " + std::to_string(hot)), "0");
  EXPECT_EQ(scalar("SELECT stock FROM products WHERE id = " + std::to_string(other)), "6");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders WHERE user_id IN (" + std::to_string(a) + "," +
                   std::to_string(b) + ")"),
            "3");
}

TEST_F(OrderBatchTest, AnEmptyBatchAnswersNothing) {
  auto outcomes = it::run(ioc, orders::place_orders_at_once(*pool, {}, 600));
  EXPECT_TRUE(outcomes.empty());
}

}  // namespace

namespace {

// A batch holds its products' row locks until it commits. The sales fold meanwhile writes
// daily_product_sales rows, whose foreign key takes a KEY SHARE lock on the product: the
// batch's lock must not block it (FOR NO KEY UPDATE, not FOR UPDATE), or a batch waiting for
// a product the fold already holds, while the fold waits for one the batch holds, deadlock.
// (A payment's own sales rows no longer check the product: migration 0010.)
TEST_F(OrderBatchTest, LockedProductsDoNotBlockTheSalesFold) {
  const auto product = create_product(300, 5);
  const auto user = create_user();
  it::SyncConnection batch;
  batch.exec("BEGIN");
  EXPECT_EQ(batch.scalar("SELECT count(item_order_id) FROM place_orders_batch(ARRAY[" +
                         std::to_string(user) + "]::bigint[], ARRAY[" + std::to_string(product) +
                         "]::bigint[], ARRAY[1]::bigint[], 600, NULL)"),
            "1");
  it::SyncConnection fold;
  fold.exec("SET lock_timeout = '2s'");
  EXPECT_NO_THROW(
      fold.exec("INSERT INTO daily_product_sales (sales_date, product_id, quantity) "
                "VALUES (current_date, " +
                std::to_string(product) + ", 1)"));
  batch.exec("ROLLBACK");
  fold.exec("DELETE FROM daily_product_sales WHERE product_id = " + std::to_string(product));
}

}  // namespace
