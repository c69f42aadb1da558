#pragma once

// Helpers shared by the integration tests: the database URL, one-time migrations, running a
// coroutine to completion, unique names and a blocking libpq connection for setup/checks.

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "platform/db/migrations.hpp"
#include "platform/db/pool.hpp"

namespace it {

inline constexpr const char* kTimeZone = "Asia/Seoul";
inline constexpr const char* kSessionOptions = "-c TimeZone=Asia/Seoul";

// TEST_DATABASE_URL, or nullopt when the environment does not name a database.
inline std::optional<std::string> database_url_from_env() {
  const char* url = std::getenv("TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

inline const std::string& database_url() {
  static const std::string url = [] {
    auto url = database_url_from_env();
    if (!url) throw std::runtime_error("TEST_DATABASE_URL is not set");
    return *url;
  }();
  return url;
}

// Applies db/migrations to the test database once per process; rethrows the first failure.
inline void ensure_migrated() {
  static std::once_flag once;
  static std::exception_ptr failure;
  std::call_once(once, [] {
    try {
      db::apply_migrations(database_url(),
                           db::load_migrations(ECOMMERCE_SOURCE_DIR "/db/migrations"), kTimeZone,
                           db::load_functions(ECOMMERCE_SOURCE_DIR "/db/migrations"));
    } catch (...) {
      failure = std::current_exception();
    }
  });
  if (failure) std::rethrow_exception(failure);
}

// Base fixture: fails (never skips) without TEST_DATABASE_URL, and migrates the database.
class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(database_url_from_env().has_value())
        << "TEST_DATABASE_URL is not set. The integration tests need a PostgreSQL database, "
           "e.g. TEST_DATABASE_URL='postgresql://postgres@/smoke?host=/var/tmp/smoke-pg'";
    ASSERT_NO_THROW(ensure_migrated()) << "applying db/migrations to TEST_DATABASE_URL failed";
  }
};

// A name unique to this process and call, for scratch tables and rows: "<prefix>_<pid>_<n>".
inline std::string unique_name(const std::string& prefix) {
  static std::mutex mutex;
  static std::mt19937_64 random{std::random_device{}()};
  static unsigned counter = 0;
  std::lock_guard lock(mutex);
  return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(random() % 100000) + "_" +
         std::to_string(++counter);
}

inline db::ConnectOptions connect_options(std::string url = {}) {
  db::ConnectOptions options;
  options.url = url.empty() ? database_url() : std::move(url);
  options.session_options = kSessionOptions;
  options.connect_timeout = std::chrono::seconds(5);
  options.io_timeout = std::chrono::seconds(15);
  return options;
}

inline db::PoolOptions pool_options(std::size_t max_connections = 8) {
  db::PoolOptions options;
  options.connect = connect_options();
  options.max_connections = max_connections;
  options.acquire_timeout = std::chrono::seconds(10);
  return options;
}

// A database test with its own event loop and a pool of `pool_size` connections on it.
template <std::size_t pool_size = 8>
class PoolTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (HasFatalFailure()) return;
    pool = std::make_unique<db::Pool>(ioc.get_executor(), pool_options(pool_size));
  }
  void TearDown() override { pool.reset(); }

  boost::asio::io_context ioc;
  std::unique_ptr<db::Pool> pool;
};

// Runs `task` on `ioc` until the io_context runs out of work; returns its value or rethrows.
template <typename T>
T run(boost::asio::io_context& ioc, boost::asio::awaitable<T> task) {
  std::exception_ptr failure;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
  bool done = false;
  if constexpr (std::is_void_v<T>) {
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr error) {
      failure = error;
      done = true;
    });
  } else {
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr error, T result) {
      failure = error;
      if (!error) value.emplace(std::move(result));
      done = true;
    });
  }
  ioc.restart();
  ioc.run();
  if (!done) throw std::logic_error("the io_context ran out of work before the task finished");
  if (failure) std::rethrow_exception(failure);
  if constexpr (!std::is_void_v<T>) return std::move(*value);
}

// A plain blocking libpq connection for setup, teardown and independent checks.
class SyncConnection {
 public:
  explicit SyncConnection(const std::string& url = {})
      : conn_(PQconnectdb((url.empty() ? database_url() : url).c_str()), &PQfinish) {
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(conn_.get()));
    }
  }

  // Runs SQL (no parameters); throws with the server's message on failure.
  std::unique_ptr<PGresult, decltype(&PQclear)> exec(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_.get(), sql.c_str()),
                                                         &PQclear);
    auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      throw std::runtime_error("SQL failed: " + sql + ": " + PQerrorMessage(conn_.get()));
    }
    return result;
  }

  // The first column of the first row as text ("" when NULL or no rows).
  std::string scalar(const std::string& sql) {
    auto result = exec(sql);
    if (PQntuples(result.get()) == 0 || PQgetisnull(result.get(), 0, 0)) return "";
    return PQgetvalue(result.get(), 0, 0);
  }
  long long scalar_int(const std::string& sql) { return std::stoll(scalar(sql)); }

  // Waits (up to 5 s) until a server process has gone, e.g. after pg_terminate_backend.
  bool wait_backend_gone(long long pid) {
    for (int i = 0; i < 500; ++i) {
      if (scalar_int("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid)) ==
          0) {
        return true;
      }
      ::usleep(10'000);
    }
    return false;
  }

  std::string quote_identifier(const std::string& name) {
    char* quoted = PQescapeIdentifier(conn_.get(), name.c_str(), name.size());
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
  }

 private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// Drops a scratch table when it goes out of scope.
class ScratchTable {
 public:
  ScratchTable(const std::string& prefix, const std::string& columns) : name_(unique_name(prefix)) {
    SyncConnection().exec("CREATE TABLE IF NOT EXISTS " + name_ + " (" + columns + ")");
  }
  ~ScratchTable() {
    try {
      SyncConnection().exec("DROP TABLE IF EXISTS " + name_);
    } catch (const std::exception& error) {
      ADD_FAILURE() << "dropping " << name_ << ": " << error.what();
    }
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// `url` with its database name replaced; URI ("postgresql://...") or key=value form.
inline std::string with_database(const std::string& url, const std::string& dbname) {
  auto scheme = url.find("://");
  if (scheme != std::string::npos) {
    auto path = url.find('/', scheme + 3);
    auto query = url.find('?', scheme + 3);
    if (path == std::string::npos || (query != std::string::npos && path > query)) {
      // No path: insert one before the query, if any.
      auto at = query == std::string::npos ? url.size() : query;
      return url.substr(0, at) + "/" + dbname + url.substr(at);
    }
    auto end = query == std::string::npos ? url.size() : query;
    return url.substr(0, path + 1) + dbname + url.substr(end);
  }
  if (url.find('=') != std::string::npos) {
    return url + " dbname=" + dbname;  // a later keyword overrides an earlier one
  }
  throw std::runtime_error("cannot derive a scratch database URL from TEST_DATABASE_URL '" + url +
                           "': expected a postgresql:// URI or a key=value string");
}

// A fresh database for the test, dropped (forcibly) afterwards.
class ScratchDatabase {
 public:
  ScratchDatabase() : name_(unique_name("it_mig")) {
    SyncConnection().exec("CREATE DATABASE " + name_);
    url_ = with_database(database_url(), name_);
  }
  ~ScratchDatabase() {
    try {
      SyncConnection().exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& error) {
      ADD_FAILURE() << "dropping database " << name_ << ": " << error.what();
    }
  }
  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace it
