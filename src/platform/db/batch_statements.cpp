#include "platform/db/batch_statements.hpp"

#include <fmt/format.h>

namespace db {

BatchStatements::BatchStatements(std::string name, std::string call, int call_params,
                                 std::vector<BatchColumn> columns)
    : run_name_(name),
      recover_name_(name + ".recover"),
      plain_name_(name + ".plain"),
      columns_(columns.size()) {
  std::string names, as_array, recovered;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& column = columns[i];
    const char* comma = i ? ", " : "";
    names += fmt::format("{}r.{}", comma, column.name);
    as_array += fmt::format("{}r.{}", comma, column.name);
    recovered += fmt::format("{}(x.e->>{})::{} AS {}", comma, i, column.type, column.name);
  }
  // MATERIALIZED: the function runs once, and both the answer and the record read its rows.
  // row_number() over the function scan numbers the rows in the order the function
  // returned them, which is request order.
  run_sql_ = fmt::format(
      "WITH r AS MATERIALIZED (SELECT row_number() OVER () AS n, b.* FROM {call} AS b), "
      "k AS (INSERT INTO write_outcomes (token, answer) "
      "SELECT ${token}::bigint, coalesce(jsonb_agg(jsonb_build_array({as_array}) ORDER BY r.n),"
      " '[]'::jsonb) FROM r) "
      "SELECT {names} FROM r ORDER BY r.n",
      fmt::arg("call", call), fmt::arg("token", call_params + 1), fmt::arg("as_array", as_array),
      fmt::arg("names", names));
  plain_sql_ = fmt::format("SELECT {} FROM {} AS r", names, call);
  recover_sql_ = fmt::format(
      "SELECT {recovered} FROM write_outcomes w, "
      "jsonb_array_elements(w.answer) WITH ORDINALITY AS x(e, n) "
      "WHERE w.token = $1::bigint ORDER BY x.n",
      fmt::arg("recovered", recovered));
}

}  // namespace db
