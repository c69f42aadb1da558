#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "platform/db/migrations.hpp"

namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("ecommerce-unit-" + std::to_string(random()) + "-" + std::to_string(++counter));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream out(path_ / name, std::ios::binary);
    out << content;
  }

 private:
  fs::path path_;
};

TEST(MigrationChecksum, ValuesArePinned) {
  // Checksums are stored in every deployed schema_migrations table: changing the function
  // makes every applied migration look edited. These are today's values (FNV-1a over the
  // bytes, 16 hex digits; note the offset basis in migrations.cpp is 1469598103934665603,
  // not the standard FNV-64 basis 14695981039346656037).
  EXPECT_EQ(db::migration_checksum(""), "14650fb0739d0383");
  EXPECT_EQ(db::migration_checksum("a"), "44bd8ad473cd9906");
  EXPECT_EQ(db::migration_checksum("a").size(), 16u);
  EXPECT_EQ(db::migration_checksum("SELECT 1;\n").size(), 16u);
}

TEST(MigrationChecksum, IsStable) {
  const std::string sql = "CREATE TABLE t (id bigint);\n";
  EXPECT_EQ(db::migration_checksum(sql), db::migration_checksum(std::string(sql)));
}

TEST(MigrationChecksum, NoticesAnyChange) {
  const std::string sql = "CREATE TABLE t (id bigint);\n";
  const auto base = db::migration_checksum(sql);
  EXPECT_NE(base, db::migration_checksum("CREATE TABLE t (id bigint); \n"));  // whitespace
  EXPECT_NE(base, db::migration_checksum("CREATE TABLE t (id bigint);"));     // newline
  EXPECT_NE(base, db::migration_checksum("create TABLE t (id bigint);\n"));   // case
  EXPECT_NE(base, db::migration_checksum("CREATE TABLE u (id bigint);\n"));   // one letter
  EXPECT_NE(base, db::migration_checksum(sql + '\0'));                        // trailing NUL
  EXPECT_NE(db::migration_checksum("ab"), db::migration_checksum("ba"));      // order
}

TEST(LoadMigrations, ReadsSqlFilesInVersionOrder) {
  TempDir dir;
  dir.write("0002_orders.sql", "-- two\n");
  dir.write("0010_late.sql", "-- ten\n");
  dir.write("0001_schema.sql", "-- one\r\nCREATE TABLE x ();\n");
  dir.write("README.md", "not a migration");
  dir.write("0003_backup.sql.bak", "nope");
  fs::create_directory(dir.path() / "0004_dir.sql");  // a directory, not a file

  auto files = db::load_migrations(dir.path());
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].version, "0001_schema");
  EXPECT_EQ(files[1].version, "0002_orders");
  EXPECT_EQ(files[2].version, "0010_late");
  // Read byte for byte (CRLF kept), checksum over exactly those bytes.
  EXPECT_EQ(files[0].sql, "-- one\r\nCREATE TABLE x ();\n");
  for (const auto& file : files) EXPECT_EQ(file.checksum, db::migration_checksum(file.sql));
}

TEST(LoadMigrations, OrderIsLexicalNotNumeric) {
  // Documented: versions sort as strings, so numbers must be zero-padded.
  TempDir dir;
  dir.write("9_a.sql", "");
  dir.write("10_b.sql", "");
  auto files = db::load_migrations(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].version, "10_b");
  EXPECT_EQ(files[1].version, "9_a");
}

TEST(LoadMigrations, EmptyDirectoryGivesNothing) {
  TempDir dir;
  EXPECT_TRUE(db::load_migrations(dir.path()).empty());
}

TEST(LoadMigrations, MissingDirectoryThrows) {
  TempDir dir;
  EXPECT_THROW(db::load_migrations(dir.path() / "missing"), std::runtime_error);
  dir.write("file.sql", "");
  EXPECT_THROW(db::load_migrations(dir.path() / "file.sql"), std::runtime_error);
}

TEST(LoadMigrations, RepositoryMigrationsLoad) {
  auto files = db::load_migrations(ECOMMERCE_SOURCE_DIR "/db/migrations");
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.front().version, "0001_schema");
  EXPECT_NE(files.front().sql.find("CREATE TABLE users"), std::string::npos);
  EXPECT_NE(files.front().sql.find("api_timestamp"), std::string::npos);
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_FALSE(files[i].sql.empty()) << files[i].version;
    EXPECT_EQ(files[i].checksum, db::migration_checksum(files[i].sql));
    if (i > 0) {
      EXPECT_LT(files[i - 1].version, files[i].version);
    }
  }
}

}  // namespace
