-- FCFS coupon rush: wrk -s coupon_rush.lua URL -- coupon=ID users=N threads=T
-- Exactly N issue requests, one per distinct user (users 1..N, a slice per thread);
-- a thread stops itself when all of its answers are in. Connections that would send
-- more in the meantime send GET /health instead, which is not counted. The first
-- request() of a thread is a filler too: wrk calls it once to verify the script and
-- throws the request away, which would otherwise lose a user's request.
-- wrk itself runs for its whole -d however early its threads stop, so when all answers
-- are in the thread writes `done_file` (scripts/bench then interrupts wrk) and keeps the
-- time from its first request to its last answer in span_us, which done() reports.
local common = dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")
setup = common.setup
done = common.done

local coupon, first, last, sent, answered, quota
local filler, verified, done_file, first_at

function init(argv)
  common.parse_args(argv)
  coupon = common.arg("coupon", 1)
  local users = common.arg("users", 20000)
  local threads = common.arg("threads", 1)
  local per = math.floor(users / threads)
  first = (thread_id - 1) * per + 1
  last = thread_id == threads and users or thread_id * per
  quota = last - first + 1
  sent, answered = 0, 0
  filler = common.get("/health")
  done_file = common.arg("done_file", nil)
end

function request()
  if not verified then
    verified = true
    return filler
  end
  if sent >= quota then return filler end
  local user = first + sent
  first_at = first_at or common.now_us()
  sent = sent + 1
  return common.post("/api/v1/coupons/issue",
    string.format('{"userId": %d, "couponId": %d}', user, coupon))
end

function response(status, headers, body)
  if status == 200 and body:find('"UP"', 1, true) then return end
  common.count(status, body)
  if status == 201 then ops = ops + 1 end
  answered = answered + 1
  if answered == quota then
    span_us = common.now_us() - first_at
    if done_file then
      local f = io.open(done_file .. "." .. thread_id, "w")
      if f then f:close() end
    end
    wrk.thread:stop()
  end
end
