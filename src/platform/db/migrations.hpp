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

std::string migration_checksum(const std::string& sql);

struct MigrationReport {
  std::vector<std::string> applied;  // versions applied by this call
  std::size_t already_applied = 0;
};

// Applies pending migrations with a plain blocking connection, under a PostgreSQL
// advisory lock so instances starting together apply each file exactly once. Each file
// runs in its own transaction together with its schema_migrations row. Throws when a
// migration fails or an applied file was edited afterwards (checksum mismatch).
// Also checks that `time_zone` (when not empty) is one PostgreSQL knows.
// Throws DbUnavailable when the database cannot be reached (worth retrying).
// Blocking by design: called at start-up or from the migrator thread, never an I/O loop.
MigrationReport apply_migrations(const std::string& database_url,
                                 const std::vector<MigrationFile>& migrations,
                                 const std::string& time_zone = "");

}  // namespace db
