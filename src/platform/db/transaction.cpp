#include "platform/db/transaction.hpp"

namespace db {

boost::asio::awaitable<void> rollback_if_open(Connection& connection) {
  auto status = connection.transaction_status();
  if (status != PQTRANS_INTRANS && status != PQTRANS_INERROR) co_return;
  try {
    co_await connection.execute("ROLLBACK");
  } catch (...) {
    // The connection is marked broken and will be closed by the pool.
  }
}

}  // namespace db
