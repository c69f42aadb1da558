#include <chrono>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "events/data_platform_client.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

asio::awaitable<void> sleep_for(Clock::duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

// A platform that answers one request, then on the same kept-alive connection takes the
// next one, stalls and drops it; the resend on a fresh connection gets no answer at all.
asio::awaitable<void> stalling_platform(tcp::acceptor& acceptor) {
  auto first = co_await acceptor.async_accept(asio::use_awaitable);
  boost::beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> request;
  co_await bhttp::async_read(first, buffer, request, asio::use_awaitable);
  constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  co_await asio::async_write(first, asio::buffer(kOk), asio::use_awaitable);
  request = {};
  co_await bhttp::async_read(first, buffer, request, asio::use_awaitable);
  co_await sleep_for(250ms);
  first.close();
  auto second = co_await acceptor.async_accept(asio::use_awaitable);
  boost::beast::flat_buffer second_buffer;
  request = {};
  co_await bhttp::async_read(second, second_buffer, request, asio::use_awaitable);
  co_await sleep_for(1s);
}

// The relay's lease only holds if a delivery attempt cannot outlast its budget: the failed
// request on a reused connection and the resend share one deadline.
TEST(DataPlatformClient, OneDeadlineCoversTheWholeAttemptResendIncluded) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  events::PlatformUrl url{"127.0.0.1", acceptor.local_endpoint().port(), "/events", "127.0.0.1"};
  events::DataPlatformClientOptions options;
  options.connect_timeout = 200ms;
  options.attempt_timeout = 400ms;
  events::DataPlatformClient client(ioc.get_executor(), url, options);
  asio::co_spawn(ioc, stalling_platform(acceptor), asio::detached);
  bool first_acknowledged = false;
  events::DeliveryOutcome second;
  Clock::duration second_took{};
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        first_acknowledged = (co_await client.post("k1", R"({"n":1})")).acknowledged;
        const auto started = Clock::now();
        second = co_await client.post("k2", R"({"n":2})");
        second_took = Clock::now() - started;
      },
      asio::detached);
  ioc.run();
  EXPECT_TRUE(first_acknowledged);
  EXPECT_FALSE(second.acknowledged);
  EXPECT_TRUE(second.platform_unavailable);
  EXPECT_LT(second_took, 550ms)
      << std::chrono::duration_cast<std::chrono::milliseconds>(second_took).count() << " ms, "
      << second.error;
  EXPECT_GE(second_took, 350ms);
}

}  // namespace
