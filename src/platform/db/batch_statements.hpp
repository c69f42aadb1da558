#pragma once

#include <string>
#include <vector>

#include "platform/db/params.hpp"

namespace db {

// One column of a batch function's answer (one row per request, in request order).
struct BatchColumn {
  std::string name;
  std::string type;  // its SQL type, to read it back from the recorded answer
};

// The statements of a batched write, built from the batch function's call:
//  - `run`: calls the function with the batch's token (the last parameter) as its last
//    argument; the function records its answer in `write_outcomes` under that token, in the
//    same transaction: one JSON array per row, in row order (db/functions/*_batch.sql);
//  - `recover`: reads a recorded answer back (its only parameter is the token), with the
//    same columns in the same order as `run` returns them, so one parser reads both.
// `call` is the FROM item without the token, e.g.
// "charge_points_batch($1::bigint[], $2::bigint[], $3::bigint)", with `call_params`
// parameters; the token is parameter `call_params + 1`.
class BatchStatements {
 public:
  BatchStatements(std::string name, std::string call, int call_params,
                  std::vector<BatchColumn> columns);
  BatchStatements(const BatchStatements&) = delete;
  BatchStatements& operator=(const BatchStatements&) = delete;

  Statement run() const { return {run_name_.c_str(), run_sql_.c_str()}; }
  // The call alone, nothing recorded: for a batch inside a caller's transaction, which
  // carries its own token (db::in_transaction).
  Statement plain() const { return {plain_name_.c_str(), plain_sql_.c_str()}; }
  Statement recover() const { return {recover_name_.c_str(), recover_sql_.c_str()}; }
  std::size_t columns() const { return columns_; }

 private:
  std::string run_name_, run_sql_, recover_name_, recover_sql_, plain_name_, plain_sql_;
  std::size_t columns_;
};

// The column `field` of every request, in order: the array parameter a batch function takes.
template <typename Request, typename Field>
std::vector<Field> column_of(const std::vector<Request>& requests, Field Request::*field) {
  std::vector<Field> column;
  column.reserve(requests.size());
  for (const auto& request : requests) column.push_back(request.*field);
  return column;
}

}  // namespace db
