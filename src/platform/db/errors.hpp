#pragma once

#include <stdexcept>
#include <string>

namespace db {

// The database cannot be reached, timed out, or the pool is exhausted: safe to retry later.
class DbUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The connection failed after a statement (or COMMIT) was sent and before its whole answer
// came back, or the answer did not come within the network deadline: the statement may have
// been applied. A read may treat it as unavailable (nothing of a read is applied); a write
// must learn what became of it (db::settle_lost_write) before it answers.
class DbAnswerLost : public DbUnavailable {
 public:
  using DbUnavailable::DbUnavailable;
};

// A write whose answer was lost and whose outcome could not be learned within its deadline
// (the database stayed unreachable): 504 OUTCOME_UNKNOWN. It may or may not have been applied.
class DbOutcomeUnknown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// PostgreSQL answered with an error. `sqlstate` and `constraint` let callers map
// constraint violations to domain errors without parsing messages.
class DbError : public std::runtime_error {
 public:
  DbError(std::string message, std::string sqlstate, std::string constraint)
      : std::runtime_error(std::move(message)),
        sqlstate_(std::move(sqlstate)),
        constraint_(std::move(constraint)) {}

  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& constraint() const { return constraint_; }

  bool is_unique_violation() const { return sqlstate_ == "23505"; }
  bool is_check_violation() const { return sqlstate_ == "23514"; }
  bool is_foreign_key_violation() const { return sqlstate_ == "23503"; }
  // lock_timeout passed: the rows are busy; the request may be retried later.
  bool is_lock_timeout() const { return sqlstate_ == "55P03"; }
  // Serialization failure or deadlock: the whole transaction may be retried.
  bool is_retryable() const { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

 private:
  std::string sqlstate_;
  std::string constraint_;
};

// SQLSTATE classes that mean "the server or the connection is gone", not "your SQL is wrong".
inline bool is_unavailable_sqlstate(const std::string& sqlstate) {
  // 25006 (read_only_sql_transaction): the node is no longer the primary (a switchover or a
  // failover happened); the statement was refused, so nothing of it was applied, and the
  // connection is dropped so that the next one goes to the new primary.
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03" || sqlstate == "57014" || sqlstate == "53300" || sqlstate == "25006";
}

}  // namespace db
