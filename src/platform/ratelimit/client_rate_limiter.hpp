#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>

#include "platform/ratelimit/token_bucket.hpp"

namespace ratelimit {

// Who a bucket belongs to: an authenticated user or a network address.
struct ClientKey {
  std::array<std::uint8_t, 17> bytes{};  // [0] the kind, then the user id or the address

  static ClientKey user(std::int64_t user_id);
  // An IPv6 address (IPv4 as ::ffff:a.b.c.d). IPv6 clients are counted per /64, the
  // smallest block one subscriber usually gets, so rotating addresses inside it does not
  // buy more requests; IPv4 clients per address.
  static ClientKey address(std::span<const std::uint8_t, 16> ipv6);

  bool operator==(const ClientKey&) const = default;
};

// Token buckets per client, shared by every event loop of the process (so a client gets
// its rate whichever loops its connections land on). The table is split into shards with
// a mutex each; a check holds one shard's mutex for a hash lookup and a little arithmetic.
// Memory is bounded: at `max_clients` the least recently seen client's bucket is reused.
class ClientRateLimiter {
 public:
  struct Options {
    double per_second = 10;
    double burst = 20;
    std::size_t max_clients = 100'000;
  };

  explicit ClientRateLimiter(Options options);
  ~ClientRateLimiter();

  // Thread-safe.
  Decision admit(const ClientKey& client, std::int64_t now_ns);
  // The same with the monotonic clock.
  Decision admit(const ClientKey& client);

  std::size_t tracked_clients() const;
  // Buckets forgotten before they were full again (each gives its client a fresh burst).
  std::uint64_t early_evictions() const { return early_evictions_.load(std::memory_order_relaxed); }
  const BucketPolicy& policy() const { return policy_; }

 private:
  struct Hash {
    std::uint64_t seed;
    std::size_t operator()(const ClientKey& key) const;
  };
  struct Entry {
    ClientKey key;
    TokenBucket bucket;
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::list<Entry> recency;  // most recently seen first
    std::unordered_map<ClientKey, std::list<Entry>::iterator, Hash> index;
    explicit Shard(Hash hash) : index(0, hash) {}
  };
  static constexpr std::size_t kShards = 64;

  BucketPolicy policy_;
  std::size_t max_per_shard_;
  Hash hash_;
  std::unique_ptr<Shard> shards_[kShards];
  std::atomic<std::uint64_t> early_evictions_{0};
};

}  // namespace ratelimit
