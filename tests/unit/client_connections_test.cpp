#include <array>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "platform/http/client_connections.hpp"

namespace {

using http::ClientConnections;
using Address = std::array<std::uint8_t, 16>;

Address ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

Address ipv6(std::uint16_t first, std::uint16_t last) {
  Address address{};
  address[0] = static_cast<std::uint8_t>(first >> 8);
  address[1] = static_cast<std::uint8_t>(first);
  address[14] = static_cast<std::uint8_t>(last >> 8);
  address[15] = static_cast<std::uint8_t>(last);
  return address;
}

TEST(ClientConnections, EachClientHasItsOwnLimit) {
  ClientConnections slots(2);
  const auto a = ClientConnections::client_of(ipv4(127, 0, 0, 1));
  const auto b = ClientConnections::client_of(ipv4(127, 0, 0, 2));
  EXPECT_TRUE(slots.try_open(a));
  EXPECT_TRUE(slots.try_open(a));
  EXPECT_FALSE(slots.try_open(a));
  EXPECT_EQ(slots.open_connections(a), 2u);
  EXPECT_TRUE(slots.try_open(b));  // another address is not held back
  slots.close(a);
  EXPECT_TRUE(slots.try_open(a));
  EXPECT_FALSE(slots.try_open(a));
}

TEST(ClientConnections, ForgetsClientsWithoutConnections) {
  ClientConnections slots(3);
  const auto a = ClientConnections::client_of(ipv4(10, 0, 0, 1));
  ASSERT_TRUE(slots.try_open(a));
  EXPECT_EQ(slots.tracked_clients(), 1u);
  slots.close(a);
  EXPECT_EQ(slots.tracked_clients(), 0u);
  slots.close(a);  // a stray close changes nothing
  EXPECT_EQ(slots.open_connections(a), 0u);
}

TEST(ClientConnections, AnIpv6ClientIsItsSlash64AndAnIpv4ClientItsAddress) {
  EXPECT_EQ(ClientConnections::client_of(ipv6(0x2001, 1)),
            ClientConnections::client_of(ipv6(0x2001, 0xbeef)));
  EXPECT_NE(ClientConnections::client_of(ipv6(0x2001, 1)),
            ClientConnections::client_of(ipv6(0x2002, 1)));
  EXPECT_NE(ClientConnections::client_of(ipv4(192, 0, 2, 1)),
            ClientConnections::client_of(ipv4(192, 0, 2, 2)));
  ClientConnections slots(1);
  EXPECT_TRUE(slots.try_open(ClientConnections::client_of(ipv6(0x2001, 1))));
  EXPECT_FALSE(slots.try_open(ClientConnections::client_of(ipv6(0x2001, 2))));
}

TEST(ClientConnections, ALimitBelowOneIsOne) {
  ClientConnections slots(0);
  EXPECT_EQ(slots.limit(), 1u);
  const auto a = ClientConnections::client_of(ipv4(10, 0, 0, 1));
  EXPECT_TRUE(slots.try_open(a));
  EXPECT_FALSE(slots.try_open(a));
}

TEST(ClientConnections, CountsExactlyFromManyThreads) {
  ClientConnections slots(1000);
  const auto a = ClientConnections::client_of(ipv4(10, 0, 0, 9));
  std::vector<std::thread> threads;
  std::array<int, 4> opened{};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) opened[t] += slots.try_open(a) ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(opened[0] + opened[1] + opened[2] + opened[3], 1000);
  EXPECT_EQ(slots.open_connections(a), 1000u);
}

}  // namespace
