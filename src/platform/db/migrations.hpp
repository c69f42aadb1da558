#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace db {

struct MigrationFile {
  std::string version;  // the file name without ".sql"; applied in lexical order
  std::string sql;
  std::string checksum;
};

// Reads db/migrations/*.sql in version order.
std::vector<MigrationFile> load_migrations(const std::filesystem::path& directory);

// Reads the SQL functions kept beside `migrations_dir` (its sibling `functions/`: one
// function per file, each a CREATE OR REPLACE), by name; none if there is no such directory.
// Tables change only through numbered migrations; a function has one live definition, its
// file, applied on every start when it changed (Flyway's "repeatable" migrations).
std::vector<MigrationFile> load_functions(const std::filesystem::path& migrations_dir);

std::string migration_checksum(const std::string& sql);

struct MigrationReport {
  std::vector<std::string> applied;  // versions applied by this call
  std::size_t already_applied = 0;
  std::vector<std::string> functions_replaced;  // function files (re)applied by this call
};

// Applies pending migrations with a plain blocking connection, under a PostgreSQL
// advisory lock so instances starting together apply each file exactly once. Each file
// runs in its own transaction together with its schema_migrations row. Throws when a
// migration fails or an applied file was edited afterwards (checksum mismatch).
// Also checks that `time_zone` (when not empty) is one PostgreSQL knows.
// Throws DbUnavailable when the database cannot be reached (worth retrying).
// Blocking by design: called at start-up or from the migrator thread, never an I/O loop.
// Then the function files (`functions`), after every migration, each in its own
// transaction, only when its text differs from the one last applied (schema_functions).
MigrationReport apply_migrations(const std::string& database_url,
                                 const std::vector<MigrationFile>& migrations,
                                 const std::string& time_zone = "",
                                 const std::vector<MigrationFile>& functions = {});

}  // namespace db
