#pragma once

// A loopback TCP port that forwards every connection to PostgreSQL's Unix socket, so a test
// can reach the (unix-socket-only) test cluster over TCP, the transport production uses.
// Plain blocking threads: test code only.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

namespace it {

class TcpToUnixForwarder {
 public:
  // `socket_path`: PostgreSQL's socket file, e.g. "/tmp/pg/.s.PGSQL.5432".
  explicit TcpToUnixForwarder(std::string socket_path) : socket_path_(std::move(socket_path)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(listener_);
      throw std::runtime_error("cannot listen on a loopback port");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~TcpToUnixForwarder() {
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& copier : copiers_) copier.join();
    for (int fd : open_) ::close(fd);
    ::close(listener_);
  }

  TcpToUnixForwarder(const TcpToUnixForwarder&) = delete;
  TcpToUnixForwarder& operator=(const TcpToUnixForwarder&) = delete;

  int port() const { return port_; }

  // The socket file of the server `url` names (a Unix-socket URL), asked of libpq itself,
  // and a conninfo for the same user and database through `port` on 127.0.0.1.
  struct Target {
    std::string socket_path;
    std::string conninfo_through(int port) const {
      return "host=127.0.0.1 port=" + std::to_string(port) + " user=" + user + " dbname=" + dbname;
    }
    std::string user;
    std::string dbname;
  };
  static Target target_of(const std::string& url) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      PQfinish(conn);
      throw std::runtime_error("cannot connect to " + url);
    }
    Target target{std::string(PQhost(conn)) + "/.s.PGSQL." + PQport(conn), PQuser(conn),
                  PQdb(conn)};
    PQfinish(conn);
    return target;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      const int server = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
      if (server < 0 ||
          ::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(client);
        if (server >= 0) ::close(server);
        continue;
      }
      std::lock_guard lock(mutex_);
      open_.push_back(client);
      open_.push_back(server);
      copiers_.emplace_back([client, server] { copy(client, server); });
      copiers_.emplace_back([client, server] { copy(server, client); });
    }
  }

  // Copies until either side closes, then ends the other direction too.
  static void copy(int from, int to) {
    char buffer[64 * 1024];
    for (;;) {
      const ssize_t got = ::read(from, buffer, sizeof(buffer));
      if (got <= 0) break;
      ssize_t sent = 0;
      while (sent < got) {
        const ssize_t wrote = ::send(to, buffer + sent, got - sent, MSG_NOSIGNAL);
        if (wrote <= 0) {
          ::shutdown(from, SHUT_RDWR);
          return;
        }
        sent += wrote;
      }
    }
    ::shutdown(to, SHUT_WR);
  }

  std::string socket_path_;
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> open_;
  std::vector<std::thread> copiers_;
};

}  // namespace it
