#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

namespace db {

// Owns one PGresult; values are read as text (the wire format we request).
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  PGresult* raw() const { return result_.get(); }
  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool empty() const { return rows() == 0; }
  std::string affected() const { return result_ ? PQcmdTuples(result_.get()) : ""; }

  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view text(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
  }
  std::string string(int row, int column) const { return std::string(text(row, column)); }
  std::int64_t int64(int row, int column) const;
  // A bigint[] column (one dimension, no NULL elements); a NULL array reads as empty.
  std::vector<std::int64_t> int64_array(int row, int column) const;
  bool boolean(int row, int column) const { return text(row, column) == "t"; }
  // For each of `keys`, the row whose bigint column `key_column` holds it (nullopt: none):
  // lines up the rows of a `key = ANY($1)` statement with the keys asked for.
  std::vector<std::optional<int>> rows_for(const std::vector<std::int64_t>& keys,
                                           int key_column) const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_{nullptr, &PQclear};
};

// Parses PostgreSQL's text form of a one-dimensional bigint array ("{1,-2,3}", "{}");
// throws std::runtime_error on anything else (NULL elements, nested arrays, bounds).
std::vector<std::int64_t> parse_int64_array(std::string_view text);

}  // namespace db
