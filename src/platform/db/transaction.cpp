#include "platform/db/transaction.hpp"

#include <string>

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

boost::asio::awaitable<void> commit_with_token(Connection& connection, std::int64_t token) {
  // Last, right before COMMIT: the row is locked only while the commit runs, and a learner
  // that inserted the token first makes this insert fail, so the transaction rolls back.
  co_await connection.execute_script("INSERT INTO write_outcomes (token) VALUES (" +
                                     std::to_string(token) + "); COMMIT");
}

}  // namespace db
