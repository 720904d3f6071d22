#include "proxy/auth/redis_rate_limiter.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>

#include "db/records.h"

namespace switchyard::proxy {

namespace {

constexpr int64_t kRedisWindowMs = 60000;

// KEYS: requests, tokens, in-flight sorted sets and the ticket counter of one key.
// ARGV: rpm, tpm, max_concurrent, estimated tokens, window ms, slot ttl ms.
// Returns {1, ticket, requests in window, tokens in window, ms until the oldest request
// leaves, ms until the oldest tokens leave} or {0, which (1 requests, 2 tokens, 3 slots), wait ms}.
constexpr const char* kAdmitScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, maxc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local est, window, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local function wait(key)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #oldest < 2 then return 1000 end
  return tonumber(oldest[2]) + window - now
end
local nreq = redis.call('ZCARD', KEYS[1])
if rpm > 0 and nreq >= rpm then return {0, 1, wait(KEYS[1])} end
local tok = 0
if tpm > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    tok = tok + tonumber(string.match(m, ':(%-?%d+)$'))
  end
  if tok > 0 and tok + est > tpm then return {0, 2, wait(KEYS[2])} end
end
if maxc > 0 and redis.call('ZCARD', KEYS[3]) >= maxc then return {0, 3, 1000} end
local id = redis.call('INCR', KEYS[4])
if rpm > 0 then redis.call('ZADD', KEYS[1], now, id); nreq = nreq + 1 end
if tpm > 0 then redis.call('ZADD', KEYS[2], now, id .. ':' .. est); tok = tok + est end
if maxc > 0 then redis.call('ZADD', KEYS[3], now + ttl, id) end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], window + ttl) end
return {1, id, nreq, tok, wait(KEYS[1]), wait(KEYS[2])}
)lua";

// KEYS as above; ARGV: ticket, estimated tokens, real tokens, holds a slot (1/0), charged tokens (1/0).
constexpr const char* kFinishScript = R"lua(
if ARGV[4] == '1' then redis.call('ZREM', KEYS[3], ARGV[1]) end
if ARGV[5] == '1' then
  local old = ARGV[1] .. ':' .. ARGV[2]
  local score = redis.call('ZSCORE', KEYS[2], old)
  if score then
    redis.call('ZREM', KEYS[2], old)
    redis.call('ZADD', KEYS[2], score, ARGV[1] .. ':' .. ARGV[3])
  end
end
return 1
)lua";

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

timeval to_timeval(int ms) { return timeval{ms / 1000, (ms % 1000) * 1000}; }

struct Reply {
  redisReply* r = nullptr;
  ~Reply() { if (r) freeReplyObject(r); }
};

std::vector<std::string> keys_of(const std::string& key_hash) {
  // One hash tag: the four keys of a key live on the same Redis Cluster slot.
  std::string base = "{switchyard:" + key_hash + "}:";
  return {base + "requests", base + "tokens", base + "in_flight", base + "ticket"};
}

// EVAL script 4 keys... args...
redisReply* eval(redisContext* c, const char* script, const std::vector<std::string>& keys,
                 const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"EVAL", script, "4"};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
}

}  // namespace

struct RedisRateLimiter::Conn {
  redisContext* ctx = nullptr;
  ~Conn() { if (ctx) redisFree(ctx); }
};

RedisRateLimiter::RedisRateLimiter(RedisLimiterOptions options) : options_(std::move(options)) {
  // redis://[:password@]host[:port][/db]
  std::string rest = options_.url.starts_with("redis://") ? options_.url.substr(8) : options_.url;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string auth = rest.substr(0, at);
    password_ = auth.substr(auth.find(':') == std::string::npos ? 0 : auth.find(':') + 1);
    rest = rest.substr(at + 1);
  }
  rest = rest.substr(0, rest.find('/'));
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host_ = rest.substr(0, colon);
    port_ = std::atoi(rest.c_str() + colon + 1);
  } else {
    host_ = rest;
  }
  if (host_.empty()) host_ = "127.0.0.1";
}

RedisRateLimiter::~RedisRateLimiter() = default;

bool RedisRateLimiter::reachable() {
  Conn* c = take();
  if (!c) return false;
  give_back(c, false);
  return true;
}

void RedisRateLimiter::note_failure(const std::string& what) {
  retry_after_ms_ = steady_ms() + 1000;
  if (!down_.exchange(true))
    std::fprintf(stderr, "rate limits: Redis at %s:%d unavailable (%s): failing %s%s\n", host_.c_str(), port_,
                 what.c_str(), options_.on_failure == RedisFailure::open ? "open" : "closed",
                 options_.on_failure == RedisFailure::open ? " (each instance limits alone meanwhile)"
                                                           : " (requests with rate limits get 503)");
}

RedisRateLimiter::Conn* RedisRateLimiter::take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      Conn* c = idle_.back().release();
      idle_.pop_back();
      return c;
    }
  }
  if (steady_ms() < retry_after_ms_) return nullptr;
  auto c = std::make_unique<Conn>();
  c->ctx = redisConnectWithTimeout(host_.c_str(), port_, to_timeval(options_.timeout_ms));
  if (!c->ctx || c->ctx->err) {
    note_failure(c->ctx ? c->ctx->errstr : "out of memory");
    return nullptr;
  }
  redisSetTimeout(c->ctx, to_timeval(options_.timeout_ms));
  if (!password_.empty()) {
    Reply r{static_cast<redisReply*>(redisCommand(c->ctx, "AUTH %s", password_.c_str()))};
    if (!r.r || r.r->type == REDIS_REPLY_ERROR) {
      note_failure("AUTH refused");
      return nullptr;
    }
  }
  if (down_.exchange(false)) std::fprintf(stderr, "rate limits: Redis at %s:%d reachable again\n", host_.c_str(), port_);
  return c.release();
}

void RedisRateLimiter::give_back(Conn* c, bool broken) {
  std::unique_ptr<Conn> owned(c);
  if (broken) return;  // freed; the next take() reconnects
  std::lock_guard lock(mu_);
  if (static_cast<int>(idle_.size()) < options_.connections) idle_.push_back(std::move(owned));
}

Result<RateAdmission> RedisRateLimiter::when_down(const std::string& key_hash, const RateLimits& limits,
                                                  int64_t estimated_tokens) {
  if (options_.on_failure == RedisFailure::open) return local_.admit(key_hash, limits, estimated_tokens);
  return fail(ErrorKind::no_route, "Rate limits cannot be checked right now (the shared rate limiter is unavailable)");
}

Result<RateAdmission> RedisRateLimiter::admit(const std::string& key_hash, const RateLimits& limits,
                                              int64_t estimated_tokens) {
  RateAdmission a;
  a.key_hash = key_hash;
  if (!limits.any()) return a;
  Conn* c = take();
  if (!c) return when_down(key_hash, limits, estimated_tokens);
  Reply r{eval(c->ctx, kAdmitScript, keys_of(key_hash),
               {std::to_string(limits.rpm), std::to_string(limits.tpm), std::to_string(limits.max_concurrent),
                std::to_string(estimated_tokens), std::to_string(kRedisWindowMs), std::to_string(options_.slot_ttl_ms)})};
  if (!r.r || r.r->type != REDIS_REPLY_ARRAY || r.r->elements < 3) {
    std::string what = !r.r ? (c->ctx->err ? c->ctx->errstr : "no reply")
                            : r.r->type == REDIS_REPLY_ERROR ? std::string(r.r->str, r.r->len) : "unexpected reply";
    give_back(c, true);
    note_failure(what);
    return when_down(key_hash, limits, estimated_tokens);
  }
  give_back(c, false);
  auto at = [&](size_t i) { return r.r->element[i]->integer; };
  if (at(0) == 0) {
    if (at(1) == 1) return std::unexpected(over_limit("requests", limits.rpm, at(2)));
    if (at(1) == 2) return std::unexpected(over_limit("tokens", limits.tpm, at(2)));
    return std::unexpected(too_concurrent(limits.max_concurrent));
  }
  a.ticket = at(1);
  a.at_ms = db::now_unix_ms();
  if (limits.rpm > 0) {
    a.rpm = limits.rpm;
    a.requests_remaining = std::max<int64_t>(0, limits.rpm - at(2));
    a.requests_reset_ms = at(4);
  }
  if (limits.tpm > 0) {
    a.tpm = limits.tpm;
    a.tokens_charged = estimated_tokens;
    a.tokens_remaining = std::max<int64_t>(0, limits.tpm - at(3));
    a.tokens_reset_ms = at(5);
  }
  a.holds_slot = limits.max_concurrent > 0;
  return a;
}

void RedisRateLimiter::finish(const RateAdmission& a, int64_t tokens) {
  if (a.state) return local_.finish(a, tokens);  // admitted by the fallback
  if (a.ticket == 0 || (!a.holds_slot && a.tpm == 0)) return;
  Conn* c = take();
  if (!c) return;  // the slot frees itself after slot_ttl_ms; the estimate stays counted
  Reply r{eval(c->ctx, kFinishScript, keys_of(a.key_hash),
               {std::to_string(a.ticket), std::to_string(a.tokens_charged), std::to_string(tokens),
                a.holds_slot ? "1" : "0", a.tpm > 0 ? "1" : "0"})};
  bool broken = !r.r || r.r->type == REDIS_REPLY_ERROR;
  std::string what = !broken ? "" : r.r ? std::string(r.r->str, r.r->len) : c->ctx->err ? c->ctx->errstr : "no reply";
  give_back(c, broken);
  if (broken) note_failure(what);
}

}  // namespace switchyard::proxy
