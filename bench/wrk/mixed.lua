-- The mixed workload: wrk -s mixed.lua URL -- users=N coupon_users=M products=P coupon=ID
-- Operations, by share: 50% product reads (half list, half detail), 30% order + pay,
-- 10% coupon issue (each to the next user of 1..M/2; should a user come round again,
-- 409 COUPON_ALREADY_ISSUED is a normal answer), 10% best sellers. A placed order's
-- payment is sent by the thread's next request (see common.order_placed).
-- ops counts completed operations: reads, issues and best sellers answered, orders paid.
local common = dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")
setup = common.setup
done = common.done

local next_user, next_coupon_user, products, coupon, size, pages
local best

function init(argv)
  common.parse_args(argv)
  local users = common.arg("users", 10000)
  local coupon_users = common.arg("coupon_users", 20000)
  local threads = common.arg("threads", 1)
  products = common.arg("products", 1000)
  coupon = common.arg("coupon", 2)
  size = 20
  pages = math.max(1, math.floor(products / size))
  math.randomseed(thread_id * 7919 + os.time())
  next_user = common.sequence(users, (thread_id - 1) * math.floor(users / threads))
  -- The warm-up run takes its coupon users from the upper half, the measured run from
  -- the lower one, so measured issues are real ones (not COUPON_ALREADY_ISSUED).
  local half = math.floor(coupon_users / 2)
  local base = os.getenv("BENCH_PHASE") == "warmup" and half or 0
  local seq = common.sequence(half, (thread_id - 1) * math.floor(half / threads))
  next_coupon_user = function() return base + seq() end
  best = common.get("/api/v1/products/best")
end

function request()
  local pay = common.next_payment()
  if pay then return pay end
  local r = math.random()
  if r < 0.25 then
    return common.get(string.format("/api/v1/products?page=%d&size=%d",
      math.random(0, pages - 1), size))
  elseif r < 0.5 then
    return common.get("/api/v1/products/" .. math.random(1, products))
  elseif r < 0.8 then
    return common.order_request(next_user(), math.random(1, products))
  elseif r < 0.9 then
    return common.post("/api/v1/coupons/issue",
      string.format('{"userId": %d, "couponId": %d}', next_coupon_user(), coupon))
  end
  return best
end

function response(status, headers, body)
  common.count(status, body)
  if status == 201 and body:find('"NOT_PAID"', 1, true) then
    common.order_placed(body)  -- the op completes with its payment
  elseif status == 200 and body:find('"PAID"', 1, true) then
    common.order_paid(body)
  elseif status < 500 then
    ops = ops + 1
  end
end
