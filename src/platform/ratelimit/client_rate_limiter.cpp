#include "platform/ratelimit/client_rate_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

namespace ratelimit {

namespace {

constexpr std::uint8_t kUserKind = 1;
constexpr std::uint8_t kAddressKind = 2;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t random_seed() {
  std::random_device entropy;
  return (static_cast<std::uint64_t>(entropy()) << 32) ^ entropy();
}

}  // namespace

ClientKey ClientKey::user(std::int64_t user_id) {
  ClientKey key;
  key.bytes[0] = kUserKind;
  std::memcpy(key.bytes.data() + 1, &user_id, sizeof user_id);
  return key;
}

ClientKey ClientKey::address(std::span<const std::uint8_t, 16> ipv6) {
  ClientKey key;
  key.bytes[0] = kAddressKind;
  std::copy(ipv6.begin(), ipv6.end(), key.bytes.begin() + 1);
  static constexpr std::uint8_t kV4Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!std::equal(std::begin(kV4Mapped), std::end(kV4Mapped), ipv6.begin())) {
    std::fill(key.bytes.begin() + 1 + 8, key.bytes.end(), 0);  // the /64 prefix
  }
  return key;
}

// Seeded per process, so nobody can pick addresses that all land in one hash chain.
std::size_t ClientRateLimiter::Hash::operator()(const ClientKey& key) const {
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  std::memcpy(&first, key.bytes.data() + 1, 8);
  std::memcpy(&second, key.bytes.data() + 9, 8);
  return mix(mix(first ^ seed) ^ second ^ (static_cast<std::uint64_t>(key.bytes[0]) << 56));
}

ClientRateLimiter::ClientRateLimiter(Options options)
    : policy_{options.per_second, options.burst},
      max_per_shard_(std::max<std::size_t>(1, options.max_clients / kShards)),
      hash_{random_seed()} {
  for (auto& shard : shards_) shard = std::make_unique<Shard>(hash_);
}

ClientRateLimiter::~ClientRateLimiter() = default;

Decision ClientRateLimiter::admit(const ClientKey& client) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  return admit(client, std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

Decision ClientRateLimiter::admit(const ClientKey& client, std::int64_t now_ns) {
  const std::size_t hash = hash_(client);
  // The top bits pick the shard; the map uses the low ones.
  Shard& shard = *shards_[(hash >> 58) % kShards];
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(client);
  if (found != shard.index.end()) {
    auto entry = found->second;
    shard.recency.splice(shard.recency.begin(), shard.recency, entry);
    return take_token(entry->bucket, policy_, now_ns);
  }
  if (shard.index.size() < max_per_shard_) {
    shard.recency.push_front({client, TokenBucket::full(policy_, now_ns)});
    shard.index.emplace(client, shard.recency.begin());
  } else {
    // Full: the least recently seen client's nodes are reused, so no memory is allocated.
    auto victim = std::prev(shard.recency.end());
    if (!is_full_by(victim->bucket, policy_, now_ns)) {
      early_evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    auto node = shard.index.extract(victim->key);
    node.key() = client;
    victim->key = client;
    victim->bucket = TokenBucket::full(policy_, now_ns);
    shard.recency.splice(shard.recency.begin(), shard.recency, victim);
    shard.index.insert(std::move(node));
  }
  return take_token(shard.recency.front().bucket, policy_, now_ns);
}

std::size_t ClientRateLimiter::tracked_clients() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->index.size();
  }
  return total;
}

}  // namespace ratelimit
