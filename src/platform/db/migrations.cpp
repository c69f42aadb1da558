#include "platform/db/migrations.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "platform/db/errors.hpp"
#include "platform/os/read_file.hpp"

namespace db {

namespace {

// Any constant shared by all instances; "ecom" in ASCII.
constexpr const char* kLockKey = "1701015405";

using ConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

ResultPtr run(PGconn* conn, const std::string& sql, const char* what) {
  ResultPtr result(PQexec(conn, sql.c_str()), &PQclear);
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(fmt::format("{}: {}", what, PQerrorMessage(conn)));
  }
  return result;
}

std::string quote_literal(PGconn* conn, const std::string& text) {
  char* quoted = PQescapeLiteral(conn, text.c_str(), text.size());
  if (quoted == nullptr) throw std::runtime_error("cannot quote a migration value");
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

}  // namespace

std::string migration_checksum(const std::string& sql) {
  // FNV-1a style (its offset basis lacks the standard's last digit; changing it now would
  // make every applied migration look edited). Enough to notice an edit, not a security measure.
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : sql) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::vector<MigrationFile> load_migrations(const std::filesystem::path& directory) {
  if (!std::filesystem::is_directory(directory)) {
    throw std::runtime_error("migrations directory not found: " + directory.string());
  }
  std::vector<MigrationFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    auto sql = os::read_file(entry.path());
    if (!sql) throw std::runtime_error("cannot read migration " + entry.path().string());
    MigrationFile file{entry.path().stem().string(), std::move(*sql), ""};
    file.checksum = migration_checksum(file.sql);
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  return files;
}

std::vector<MigrationFile> load_functions(const std::filesystem::path& migrations_dir) {
  const auto directory = migrations_dir.parent_path() / "functions";
  if (!std::filesystem::is_directory(directory)) return {};
  return load_migrations(directory);
}

MigrationReport apply_migrations(const std::string& database_url,
                                 const std::vector<MigrationFile>& migrations,
                                 const std::string& time_zone,
                                 const std::vector<MigrationFile>& functions) {
  ConnPtr conn(PQconnectdb(database_url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw DbUnavailable(
        fmt::format("cannot connect to the database: {}", PQerrorMessage(conn.get())));
  }
  PGconn* c = conn.get();
  run(c, "SET client_min_messages = warning", "session setup");
  if (!time_zone.empty()) {
    run(c, "SET TIME ZONE " + quote_literal(c, time_zone),
        ("SERVICE_TIME_ZONE '" + time_zone + "' is not a time zone PostgreSQL knows").c_str());
  }
  // Session-level lock, released explicitly below or when the connection closes.
  run(c, fmt::format("SELECT pg_advisory_lock({})", kLockKey), "taking the migration lock");
  run(c,
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version text PRIMARY KEY, checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())",
      "creating schema_migrations");

  std::map<std::string, std::string> applied;
  {
    auto result = run(c, "SELECT version, checksum FROM schema_migrations", "reading versions");
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      applied.emplace(PQgetvalue(result.get(), row, 0), PQgetvalue(result.get(), row, 1));
    }
  }

  MigrationReport report;
  for (const auto& migration : migrations) {
    if (auto found = applied.find(migration.version); found != applied.end()) {
      if (found->second != migration.checksum) {
        throw std::runtime_error(fmt::format(
            "migration {} was changed after it was applied; add a new migration instead",
            migration.version));
      }
      ++report.already_applied;
      continue;
    }
    run(c, "BEGIN", "starting a migration");
    try {
      run(c, migration.sql, ("migration " + migration.version).c_str());
      run(c,
          fmt::format("INSERT INTO schema_migrations (version, checksum) VALUES ({}, {})",
                      quote_literal(c, migration.version), quote_literal(c, migration.checksum)),
          "recording a migration");
      run(c, "COMMIT", "committing a migration");
    } catch (...) {
      PQclear(PQexec(c, "ROLLBACK"));
      throw;
    }
    report.applied.push_back(migration.version);
  }
  if (!functions.empty()) {
    run(c,
        "CREATE TABLE IF NOT EXISTS schema_functions ("
        " name text PRIMARY KEY, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())",
        "creating schema_functions");
    std::map<std::string, std::string> current;
    auto result = run(c, "SELECT name, checksum FROM schema_functions", "reading functions");
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      current.emplace(PQgetvalue(result.get(), row, 0), PQgetvalue(result.get(), row, 1));
    }
    for (const auto& function : functions) {
      // Unchanged: not replaced, so the sessions of running instances keep their plans.
      if (auto found = current.find(function.version);
          found != current.end() && found->second == function.checksum) {
        continue;
      }
      run(c, "BEGIN", "starting a function update");
      try {
        run(c, function.sql, ("function " + function.version).c_str());
        run(c,
            fmt::format("INSERT INTO schema_functions (name, checksum) VALUES ({}, {}) "
                        "ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum,"
                        " applied_at = now()",
                        quote_literal(c, function.version), quote_literal(c, function.checksum)),
            "recording a function");
        run(c, "COMMIT", "committing a function update");
      } catch (...) {
        PQclear(PQexec(c, "ROLLBACK"));
        throw;
      }
      report.functions_replaced.push_back(function.version);
    }
  }
  run(c, fmt::format("SELECT pg_advisory_unlock({})", kLockKey), "releasing the migration lock");
  return report;
}

}  // namespace db
