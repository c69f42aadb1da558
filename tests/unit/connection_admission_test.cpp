#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "platform/http/connection_admission.hpp"

namespace {

using http::ClientConnections;
using http::ConnectionAdmission;
using http::TrackedConnection;

constexpr std::string_view kClientFull =
    "this client has too many open connections; reuse or close one";
constexpr std::string_view kLoopFull = "the server has too many open connections; retry later";

// Connections on open (unconnected) sockets: closing one shows as !is_open().
class ConnectionAdmissionTest : public ::testing::Test {
 protected:
  TrackedConnection& connection(std::uint8_t client_byte, int idle_seconds_ago) {
    auto& stream = streams_.emplace_back(context_);
    stream.socket().open(boost::asio::ip::tcp::v6());
    auto& tracked = connections_.emplace_back(TrackedConnection{&stream});
    tracked.peer_address[15] = client_byte;
    tracked.peer_address[0] = client_byte;  // another /64 for every client byte
    tracked.client = ClientConnections::client_of(tracked.peer_address);
    tracked.idle_since = now_ - std::chrono::seconds(idle_seconds_ago);
    return tracked;
  }
  static bool is_open(const TrackedConnection& tracked) {
    return tracked.stream->socket().is_open();
  }

  boost::asio::io_context context_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  std::deque<boost::beast::tcp_stream> streams_;
  std::deque<TrackedConnection> connections_;
};

TEST_F(ConnectionAdmissionTest, AdmitsWithinBothLimits) {
  ClientConnections clients(2);
  ConnectionAdmission admission(clients, 3);
  auto& a = connection(1, 0);
  auto& b = connection(2, 0);
  EXPECT_EQ(admission.admit(a), std::nullopt);
  EXPECT_EQ(admission.admit(b), std::nullopt);
  EXPECT_EQ(admission.open_connections(), 2u);
  EXPECT_EQ(clients.open_connections(a.client), 1u);
  admission.leave(a);
  admission.leave(b);
  EXPECT_EQ(admission.open_connections(), 0u);
  EXPECT_EQ(clients.tracked_clients(), 0u);
}

TEST_F(ConnectionAdmissionTest, FullLoopClosesItsLongestIdleWhoeverHoldsIt) {
  ClientConnections clients(10);
  ConnectionAdmission admission(clients, 2);
  auto& newer = connection(1, 5);
  auto& older = connection(2, 9);
  ASSERT_EQ(admission.admit(newer), std::nullopt);
  ASSERT_EQ(admission.admit(older), std::nullopt);
  auto& third = connection(3, 0);
  EXPECT_EQ(admission.admit(third), std::nullopt);
  EXPECT_FALSE(is_open(older));
  EXPECT_TRUE(older.released);
  EXPECT_TRUE(is_open(newer));
  EXPECT_EQ(admission.open_connections(), 2u);
  EXPECT_EQ(clients.open_connections(older.client), 0u);
  // The closed one's coroutine then ends: its slots are not given back twice.
  admission.leave(older);
  EXPECT_EQ(admission.open_connections(), 2u);
}

TEST_F(ConnectionAdmissionTest, FullLoopOfBusyConnectionsRefusesTheNewest) {
  ClientConnections clients(10);
  ConnectionAdmission admission(clients, 1);
  auto& busy = connection(1, 9);
  ASSERT_EQ(admission.admit(busy), std::nullopt);
  busy.busy = true;
  auto& late = connection(2, 0);
  EXPECT_EQ(admission.admit(late), kLoopFull);
  EXPECT_TRUE(is_open(busy));
  EXPECT_EQ(clients.open_connections(late.client), 0u);  // nothing taken
  EXPECT_EQ(admission.open_connections(), 1u);
}

TEST_F(ConnectionAdmissionTest, ClientAtItsLimitGivesUpItsOwnLongestIdle) {
  ClientConnections clients(2);
  ConnectionAdmission admission(clients, 10);
  auto& other = connection(2, 20);  // idle longer, but another client's
  auto& first = connection(1, 9);
  auto& second = connection(1, 5);
  for (auto* tracked : {&other, &first, &second})
    ASSERT_EQ(admission.admit(*tracked), std::nullopt);
  auto& third = connection(1, 0);
  EXPECT_EQ(admission.admit(third), std::nullopt);
  EXPECT_FALSE(is_open(first));
  EXPECT_TRUE(is_open(second));
  EXPECT_TRUE(is_open(other));
  EXPECT_EQ(clients.open_connections(third.client), 2u);
}

TEST_F(ConnectionAdmissionTest, ClientWithNothingIdleIsRefused) {
  ClientConnections clients(1);
  ConnectionAdmission admission(clients, 10);
  auto& busy = connection(1, 9);
  ASSERT_EQ(admission.admit(busy), std::nullopt);
  busy.busy = true;
  auto& late = connection(1, 0);
  EXPECT_EQ(admission.admit(late), kClientFull);
  EXPECT_TRUE(is_open(busy));
  EXPECT_EQ(clients.open_connections(late.client), 1u);
  EXPECT_EQ(admission.open_connections(), 1u);
}

TEST_F(ConnectionAdmissionTest, DrainClosesIdleFirstThenAll) {
  ClientConnections clients(10);
  ConnectionAdmission admission(clients, 10);
  auto& idle = connection(1, 1);
  auto& busy = connection(2, 1);
  ASSERT_EQ(admission.admit(idle), std::nullopt);
  ASSERT_EQ(admission.admit(busy), std::nullopt);
  busy.busy = true;
  admission.close_idle();
  EXPECT_FALSE(is_open(idle));
  EXPECT_TRUE(is_open(busy));
  admission.close_all();
  EXPECT_FALSE(is_open(busy));
}

}  // namespace
