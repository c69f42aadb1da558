#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "platform/db/errors.hpp"
#include "platform/db/migrations.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<db::MigrationFile> repository_migrations() {
  return db::load_migrations(ECOMMERCE_SOURCE_DIR "/db/migrations");
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / it::unique_name("ecommerce-it-migrations")) {
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class MigrationsTest : public it::DbTest {};

TEST_F(MigrationsTest, SecondApplyIsANoOp) {
  auto files = repository_migrations();
  auto report = db::apply_migrations(it::database_url(), files, it::kTimeZone);
  EXPECT_TRUE(report.applied.empty());
  EXPECT_EQ(report.already_applied, files.size());
  it::SyncConnection check;
  for (const auto& file : files) {
    EXPECT_EQ(check.scalar("SELECT checksum FROM schema_migrations WHERE version = '" +
                           file.version + "'"),
              file.checksum);
  }
}

TEST(WithDatabase, ReplacesTheDatabaseName) {
  EXPECT_EQ(it::with_database("postgresql://postgres@/smoke?host=/var/tmp/pg", "x"),
            "postgresql://postgres@/x?host=/var/tmp/pg");
  EXPECT_EQ(it::with_database("postgres://u:p@h:5432/db", "x"), "postgres://u:p@h:5432/x");
  EXPECT_EQ(it::with_database("postgresql://h:5432", "x"), "postgresql://h:5432/x");
  EXPECT_EQ(it::with_database("postgresql://h?sslmode=disable", "x"),
            "postgresql://h/x?sslmode=disable");
  EXPECT_EQ(it::with_database("host=/tmp dbname=a", "x"), "host=/tmp dbname=a dbname=x");
  EXPECT_THROW(it::with_database("nonsense", "x"), std::runtime_error);
}

TEST_F(MigrationsTest, ConcurrentFirstApplyOnFreshDatabaseAppliesEachFileOnce) {
  it::ScratchDatabase scratch;
  auto files = repository_migrations();
  db::MigrationReport reports[2];
  std::exception_ptr failures[2];
  {
    std::jthread threads[2];
    for (int i = 0; i < 2; ++i) {
      threads[i] = std::jthread([&, i] {
        try {
          reports[i] = db::apply_migrations(scratch.url(), files, it::kTimeZone);
        } catch (...) {
          failures[i] = std::current_exception();
        }
      });
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (failures[i]) {
      try {
        std::rethrow_exception(failures[i]);
      } catch (const std::exception& error) {
        ADD_FAILURE() << "thread " << i << ": " << error.what();
      }
    }
  }
  EXPECT_EQ(reports[0].applied.size() + reports[1].applied.size(), files.size());
  EXPECT_EQ(reports[0].already_applied + reports[1].already_applied, files.size());
  it::SyncConnection check(scratch.url());
  EXPECT_EQ(check.scalar_int("SELECT count(*) FROM schema_migrations"),
            static_cast<long long>(files.size()));
  EXPECT_EQ(check.scalar_int("SELECT count(DISTINCT version) FROM schema_migrations"),
            static_cast<long long>(files.size()));
  EXPECT_EQ(check.scalar("SELECT to_regclass('public.point_history') IS NOT NULL"), "t");
  // The advisory lock was released by both.
  EXPECT_EQ(check.scalar_int(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                "database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            0);
}

TEST_F(MigrationsTest, AppliesNewFilesInOrderEachInItsOwnTransaction) {
  it::ScratchDatabase scratch;
  TempDir dir;
  dir.write("0001_a.sql", "CREATE TABLE it_a (id bigint);");
  dir.write("0002_b.sql", "INSERT INTO it_a VALUES (1); CREATE TABLE it_b (id bigint);");
  auto first = db::apply_migrations(scratch.url(), db::load_migrations(dir.path()));
  EXPECT_EQ(first.applied, (std::vector<std::string>{"0001_a", "0002_b"}));
  EXPECT_EQ(first.already_applied, 0u);

  dir.write("0003_bad.sql", "INSERT INTO it_a VALUES (2); SELEC broken;");
  EXPECT_THROW(db::apply_migrations(scratch.url(), db::load_migrations(dir.path())),
               std::runtime_error);
  it::SyncConnection check(scratch.url());
  EXPECT_EQ(check.scalar_int("SELECT count(*) FROM it_a"), 1);  // 0003 rolled back entirely
  EXPECT_EQ(check.scalar_int("SELECT count(*) FROM schema_migrations WHERE version = '0003_bad'"),
            0);

  // Fixing the file lets the next run apply it (the lock was not left behind).
  dir.write("0003_bad.sql", "INSERT INTO it_a VALUES (2);");
  auto third = db::apply_migrations(scratch.url(), db::load_migrations(dir.path()));
  EXPECT_EQ(third.applied, (std::vector<std::string>{"0003_bad"}));
  EXPECT_EQ(third.already_applied, 2u);
  EXPECT_EQ(check.scalar_int("SELECT count(*) FROM it_a"), 2);
}

TEST_F(MigrationsTest, ChecksumMismatchThrows) {
  it::ScratchDatabase scratch;
  TempDir dir;
  dir.write("0001_a.sql", "CREATE TABLE it_a (id bigint);");
  db::apply_migrations(scratch.url(), {});  // creates schema_migrations only
  it::SyncConnection setup(scratch.url());
  setup.exec("INSERT INTO schema_migrations (version, checksum) VALUES ('0001_a', 'deadbeef')");
  try {
    db::apply_migrations(scratch.url(), db::load_migrations(dir.path()));
    ADD_FAILURE() << "expected a checksum mismatch";
  } catch (const db::DbUnavailable& error) {
    ADD_FAILURE() << "a checksum mismatch is not 'unavailable': " << error.what();
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("0001_a"), std::string::npos) << error.what();
  }
  EXPECT_EQ(setup.scalar("SELECT to_regclass('public.it_a') IS NULL"), "t");
}

TEST_F(MigrationsTest, EditedAppliedFileThrows) {
  it::ScratchDatabase scratch;
  TempDir dir;
  dir.write("0001_a.sql", "CREATE TABLE it_a (id bigint);");
  db::apply_migrations(scratch.url(), db::load_migrations(dir.path()));
  dir.write("0001_a.sql", "CREATE TABLE it_a (id bigint); -- edited");
  EXPECT_THROW(db::apply_migrations(scratch.url(), db::load_migrations(dir.path())),
               std::runtime_error);
}

TEST_F(MigrationsTest, InvalidTimeZoneThrows) {
  try {
    db::apply_migrations(it::database_url(), repository_migrations(), "Mars/Olympus_Mons");
    ADD_FAILURE() << "expected an error for an unknown time zone";
  } catch (const db::DbUnavailable& error) {
    ADD_FAILURE() << "an unknown zone is not 'unavailable': " << error.what();
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("Mars/Olympus_Mons"), std::string::npos)
        << error.what();
  }
}

TEST_F(MigrationsTest, TimeZoneIsQuoted) {
  EXPECT_THROW(db::apply_migrations(it::database_url(), {}, "UTC'; DROP TABLE users; --"),
               std::runtime_error);
  it::SyncConnection check;
  EXPECT_EQ(check.scalar("SELECT to_regclass('public.users') IS NOT NULL"), "t");
}

TEST_F(MigrationsTest, UnreachableDatabaseIsUnavailable) {
  EXPECT_THROW(db::apply_migrations("postgresql://postgres@127.0.0.1:1/x?connect_timeout=2", {}),
               db::DbUnavailable);
}

}  // namespace
