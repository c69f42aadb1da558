#include "events/nats_sink.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nats/nats.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace events {

namespace asio = boost::asio;

namespace {

std::string status_text(natsStatus status, jsErrCode js_error) {
  std::string text = natsStatus_GetText(status);
  if (js_error != 0) text += fmt::format(" (JetStream error {})", static_cast<int>(js_error));
  natsStatus last = NATS_OK;
  if (const char* detail = nats_GetLastError(&last); detail && *detail) {
    text += fmt::format(": {}", detail);
  }
  return text;
}

}  // namespace

struct NatsSink::Impl {
  NatsUrl url;
  NatsSinkOptions options;
  asio::thread_pool publishers;

  // Set before the connection is closed: the library's callbacks then say nothing (the
  // process may be past the point where logging is possible).
  std::atomic<bool> closing{false};

  std::mutex connect_mutex;  // guards the lazy set-up below
  natsOptions* nats_options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* jetstream = nullptr;
  std::atomic<bool> ready{false};  // `jetstream` is set: no lock needed any more

  Impl(NatsUrl u, NatsSinkOptions o)
      : url(std::move(u)), options(o), publishers(static_cast<std::size_t>(o.publishers)) {}

  ~Impl() {
    // Closing first makes publishes still waiting for an acknowledgement return at once.
    closing = true;
    if (connection) natsConnection_Close(connection);
    publishers.join();
    if (jetstream) jsCtx_Destroy(jetstream);
    if (connection) natsConnection_Destroy(connection);
    if (nats_options) natsOptions_Destroy(nats_options);
  }

  // On a publisher thread: the connection and JetStream context, made on first use. With
  // retry-on-failed-connect *and a connected callback*, natsConnection_Connect tries each
  // server once (bounded by the connect timeout) and then returns NOT_YET_CONNECTED while
  // the library keeps connecting in its own thread; without the callback it would block
  // until a server answers, forever when none does (libnats 3.4). Only one publisher sets
  // up at a time; the others do not wait for it: their attempt fails at once (counted and
  // retried with backoff like any other), so no thread waits on the mutex behind a
  // blocking call.
  natsStatus ensure_connected() {
    if (ready.load(std::memory_order_acquire)) return NATS_OK;
    std::unique_lock lock(connect_mutex, std::try_to_lock);
    if (!lock.owns_lock()) return NATS_NOT_YET_CONNECTED;
    if (jetstream) return NATS_OK;
    natsStatus status = NATS_OK;
    if (!nats_options) {
      status = natsOptions_Create(&nats_options);
      std::vector<const char*> servers;
      for (const auto& server : url.servers) servers.push_back(server.c_str());
      if (status == NATS_OK) {
        status =
            natsOptions_SetServers(nats_options, servers.data(), static_cast<int>(servers.size()));
      }
      if (status == NATS_OK) status = natsOptions_SetNoRandomize(nats_options, true);
      if (status == NATS_OK) status = natsOptions_SetName(nats_options, "ecommerce-outbox-relay");
      if (status == NATS_OK) {
        status = natsOptions_SetTimeout(nats_options, options.connect_timeout.count());
      }
      if (status == NATS_OK) status = natsOptions_SetMaxReconnect(nats_options, -1);
      if (status == NATS_OK) status = natsOptions_SetReconnectWait(nats_options, 500);
      if (status == NATS_OK) {
        status = natsOptions_SetRetryOnFailedConnect(nats_options, true, on_connected, this);
      }
      if (status == NATS_OK) {
        status = natsOptions_SetDisconnectedCB(nats_options, on_disconnected, this);
      }
      if (status == NATS_OK) {
        status = natsOptions_SetReconnectedCB(nats_options, on_reconnected, this);
      }
      if (status != NATS_OK) {
        natsOptions_Destroy(nats_options);
        nats_options = nullptr;
        return status;
      }
    }
    if (!connection) {
      status = natsConnection_Connect(&connection, nats_options);
      // NOT_YET_CONNECTED: the library goes on trying in the background.
      if (status != NATS_OK && status != NATS_NOT_YET_CONNECTED) {
        connection = nullptr;
        return status;
      }
    }
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = options.ack_timeout.count();
    status = natsConnection_JetStream(&jetstream, connection, &js_options);
    if (status == NATS_OK) ready.store(true, std::memory_order_release);
    return status;
  }

  // On the library's threads.
  static void on_connected(natsConnection*, void* self) {
    if (!static_cast<Impl*>(self)->closing) spdlog::info("msg=\"NATS connected\"");
  }
  static void on_disconnected(natsConnection*, void* self) {
    if (!static_cast<Impl*>(self)->closing) {
      spdlog::warn("msg=\"NATS connection lost; reconnecting\"");
    }
  }
  static void on_reconnected(natsConnection*, void* self) {
    if (!static_cast<Impl*>(self)->closing) spdlog::info("msg=\"NATS connection back\"");
  }

  // On a publisher thread: one publish, waiting for the stream's acknowledgement.
  DeliveryOutcome publish(const std::string& event_id, const std::string& body) {
    DeliveryOutcome outcome;
    // Every failure here is the sink's, not the event's: no server, no stream bound to the
    // subject, a stream that refuses (full, wrong limits), or no acknowledgement in time.
    outcome.platform_unavailable = true;
    natsStatus status = ensure_connected();
    if (status != NATS_OK) {
      outcome.error = "NATS connection: " + status_text(status, static_cast<jsErrCode>(0));
      return outcome;
    }
    natsMsg* message = nullptr;
    status = natsMsg_Create(&message, url.subject.c_str(), nullptr, body.data(),
                            static_cast<int>(body.size()));
    if (status != NATS_OK) {
      outcome.error = "NATS message: " + status_text(status, static_cast<jsErrCode>(0));
      return outcome;
    }
    jsPubOptions publish_options;
    jsPubOptions_Init(&publish_options);
    publish_options.MsgId = event_id.c_str();  // sets the Nats-Msg-Id header
    publish_options.MaxWait = options.ack_timeout.count();
    jsPubAck* ack = nullptr;
    jsErrCode js_error = static_cast<jsErrCode>(0);
    status = js_PublishMsg(&ack, jetstream, message, &publish_options, &js_error);
    natsMsg_Destroy(message);
    if (status == NATS_OK) {
      outcome.acknowledged = true;
      outcome.platform_unavailable = false;
    } else {
      outcome.error = "NATS publish: " + status_text(status, js_error);
    }
    if (ack) jsPubAck_Destroy(ack);
    return outcome;
  }
};

NatsSink::NatsSink(NatsUrl url, NatsSinkOptions options)
    : impl_(std::make_unique<Impl>(std::move(url), options)) {}

NatsSink::~NatsSink() = default;

asio::awaitable<DeliveryOutcome> NatsSink::deliver(std::string_view event_id,
                                                   std::string_view json_body) {
  // Runs the blocking publish on the sink's threads; the caller's coroutine resumes on its
  // own executor when it is done. A named lambda, not a temporary inside the co_await:
  // g++ 12 destroys such temporaries twice (their captured strings were freed twice).
  auto publish = [impl = impl_.get(), id = std::string(event_id),
                  body = std::string(json_body)]() -> asio::awaitable<DeliveryOutcome> {
    co_return impl->publish(id, body);
  };
  co_return co_await asio::co_spawn(impl_->publishers, std::move(publish), asio::use_awaitable);
}

std::chrono::milliseconds NatsSink::attempt_budget() const {
  // A publisher may first wait out a connect attempt, then the acknowledgement.
  return impl_->options.connect_timeout + impl_->options.ack_timeout;
}

std::string NatsSink::describe() const {
  std::string servers;
  for (const auto& server : impl_->url.servers) {
    if (!servers.empty()) servers += ',';
    servers += server;
  }
  return fmt::format("nats {} subject={}", servers, impl_->url.subject);
}

}  // namespace events
