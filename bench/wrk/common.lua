-- Shared by every bench/wrk scenario script: loaded with dofile() in each wrk
-- environment (the setup/done one and every thread's own).
--
-- Each thread keeps its counters in globals (`statuses`, `codes`, `ops`, `stopped`)
-- so done() can collect them with thread:get(); done() prints one line
--   BENCH_RESULT {"requests": ..., "p50_us": ..., ...}
-- that scripts/bench extracts. Latencies are wrk's per-request ones, in microseconds.
--
-- Arguments after wrk's `--`: key=value pairs (users=10000 products=1000 ...), read
-- with common.arg(name, default) inside init().

local common = {}

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local now_ts = ffi.new("bench_timespec")

-- Monotonic clock in microseconds (CLOCK_MONOTONIC = 1).
function common.now_us()
  ffi.C.clock_gettime(1, now_ts)
  return tonumber(now_ts.tv_sec) * 1000000 + tonumber(now_ts.tv_nsec) / 1000
end

-- Thread-environment state (globals, so thread:get can read them).
statuses = {}  -- ["201"] = n
codes = {}     -- ["COUPON_SOLD_OUT"] = n: the `code` of problem+json answers
ops = 0        -- completed business operations (e.g. a paid order)
span_us = 0    -- a scenario that ends itself: its own measured duration
op_latencies = {}  -- microseconds from an operation's first request to its last answer,
                   -- for operations of several requests (order + pay)
thread_id = 0  -- 1-based, set in setup()
thread_count = 1

local args = {}

function common.parse_args(argv)
  for _, a in ipairs(argv or {}) do
    local k, v = a:match("^([%w_]+)=(.*)$")
    if k then args[k] = v end
  end
end

function common.arg(name, default)
  local v = args[name]
  if v == nil then return default end
  return tonumber(v) or v
end

-- setup() runs in the main environment, once per thread, before they start.
local threads = {}
function common.setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_id", #threads)
end

-- Counts one answer. Bodies are only looked at for error codes (cheap pattern match).
function common.count(status, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 400 and body then
    local code = body:match('"code"%s*:%s*"([%u_]+)"')
    if code then codes[code] = (codes[code] or 0) + 1 end
  end
end

-- Minimal JSON for flat tables of numbers/strings and nested tables of those.
local function encode(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return string.format("%.3f", v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
      local val = v[k]
      if val == nil then val = v[tonumber(k)] end
      parts[#parts + 1] = encode(k) .. ": " .. encode(val)
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return "null"
end
common.encode = encode

local function merge_into(total, part)
  for k, n in pairs(part or {}) do total[k] = (total[k] or 0) + n end
end

-- done(): one BENCH_RESULT line with wrk's numbers and every thread's counters.
function common.done(summary, latency, requests)
  local all_statuses, all_codes, all_ops, counted = {}, {}, 0, false
  local op_lat = {}
  local span = 0
  for _, thread in ipairs(threads) do
    span = math.max(span, thread:get("span_us") or 0)
    for _, v in ipairs(thread:get("op_latencies") or {}) do op_lat[#op_lat + 1] = v end
    local s = thread:get("statuses")
    if s and next(s) then counted = true end
    merge_into(all_statuses, s)
    merge_into(all_codes, thread:get("codes"))
    all_ops = all_ops + (thread:get("ops") or 0)
  end
  local e = summary.errors
  local result = {
    duration_s = summary.duration / 1e6,
    requests = summary.requests,
    bytes = summary.bytes,
    socket_errors = e.connect + e.read + e.write + e.timeout,
    errors_connect = e.connect, errors_read = e.read, errors_write = e.write,
    errors_timeout = e.timeout,
    status_errors = e.status,  -- wrk: answers with status > 399
    p50_us = latency:percentile(50.0),
    p90_us = latency:percentile(90.0),
    p99_us = latency:percentile(99.0),
    max_us = latency.max,
    mean_us = latency.mean,
    ops = all_ops,
    statuses = all_statuses,
    codes = all_codes,
    counted = counted,
  }
  if span > 0 then result.span_s = span / 1e6 end
  if #op_lat > 0 then
    table.sort(op_lat)
    local function pct(p)
      return op_lat[math.max(1, math.min(#op_lat, math.ceil(p / 100 * #op_lat)))]
    end
    result.op_p50_us = pct(50)
    result.op_p90_us = pct(90)
    result.op_p99_us = pct(99)
    result.op_max_us = op_lat[#op_lat]
    result.op_count = #op_lat
  end
  io.write("BENCH_RESULT " .. encode(result) .. "\n")
end

-- JSON request helper.
local json_headers = { ["Content-Type"] = "application/json" }
function common.post(path, body)
  return wrk.format("POST", path, json_headers, body)
end
function common.get(path)
  return wrk.format("GET", path)
end

-- A per-thread sequence over 1..n that starts at a different point in each thread,
-- so threads (and the connections of one thread, served in turn) use distinct ids.
function common.sequence(n, start)
  local i = (start or 0) % n
  return function()
    i = i % n + 1
    return i
  end
end

-- Order + pay bookkeeping, shared by orderpay.lua and mixed.lua. wrk calls request()
-- and response() per thread, not per connection, so an order's answer queues its
-- payment and the thread's next request() (of whichever connection is ready) sends it.
-- Users are unique among in-flight operations, so the user keys the start time until
-- the order id is known.
local pay_queue, pay_head, pay_tail = {}, 1, 0
local started_by_user, started_by_order = {}, {}

function common.order_request(user, product)
  started_by_user[user] = common.now_us()
  return common.post("/api/v1/orders", string.format(
    '{"userId": %d, "items": [{"productId": %d, "quantity": 1}]}', user, product))
end

-- The payment waiting to be sent, if any.
function common.next_payment()
  if pay_head > pay_tail then return nil end
  local pay = pay_queue[pay_head]
  pay_queue[pay_head] = nil
  pay_head = pay_head + 1
  return common.post("/api/v1/points/use", pay)
end

-- A 201 answer to an order: queue its payment.
function common.order_placed(body)
  local order = body:match('"orderId"%s*:%s*(%d+)')
  local user = body:match('"userId"%s*:%s*(%d+)')
  if not (order and user) then return false end
  local u = tonumber(user)
  started_by_order[order] = started_by_user[u]
  started_by_user[u] = nil
  pay_tail = pay_tail + 1
  pay_queue[pay_tail] = string.format('{"userId": %s, "orderId": %s}', user, order)
  return true
end

-- A 200 answer to a payment: the operation is complete.
function common.order_paid(body)
  local order = body:match('"orderId"%s*:%s*(%d+)')
  local t0 = order and started_by_order[order]
  if t0 then
    started_by_order[order] = nil
    op_latencies[#op_latencies + 1] = common.now_us() - t0
  end
  ops = ops + 1
end

return common
