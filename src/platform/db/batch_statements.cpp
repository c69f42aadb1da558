#include "platform/db/batch_statements.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace db {

BatchStatements::BatchStatements(std::string name, std::string call, int call_params,
                                 std::vector<BatchColumn> columns)
    : run_name_(name),
      recover_name_(name + ".recover"),
      plain_name_(name + ".plain"),
      columns_(columns.size()) {
  std::string names, recovered;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& column = columns[i];
    const char* comma = i ? ", " : "";
    names += fmt::format("{}r.{}", comma, column.name);
    recovered += fmt::format("{}(x.e->>{})::{} AS {}", comma, i, column.type, column.name);
  }
  // The batch function's last argument is the token it records its answer under (NULL: not
  // recorded, for a call inside a transaction that carries its own token).
  const auto with_token = [&call](const std::string& token) {
    const auto close = call.rfind(')');
    if (close == std::string::npos)
      throw std::invalid_argument("a batch call needs (...): " + call);
    return call.substr(0, close) + ", " + token + call.substr(close);
  };
  run_sql_ = fmt::format("SELECT {} FROM {} AS r", names,
                         with_token(fmt::format("${}::bigint", call_params + 1)));
  plain_sql_ = fmt::format("SELECT {} FROM {} AS r", names, with_token("NULL::bigint"));
  recover_sql_ = fmt::format(
      "SELECT {} FROM write_outcomes w, "
      "jsonb_array_elements(w.answer) WITH ORDINALITY AS x(e, n) "
      "WHERE w.token = $1::bigint ORDER BY x.n",
      recovered);
}

}  // namespace db
