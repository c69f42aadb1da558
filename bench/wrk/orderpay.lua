-- Order + pay: wrk -s orderpay.lua URL -- users=N products=P hot=ID threads=T
-- Every op is two requests: POST /orders (one line, quantity 1, a random product of
-- 1..P, or always product `hot` when hot > 0), then POST /points/use for the orderId
-- the answer carried (see common.order_placed: the payment is queued and sent by the
-- thread's next request, so every placed order is paid and at most one payment per
-- connection waits). One op per 200 PAID; op latency runs from the order's request
-- to the payment's answer.
-- Users are walked in order (a distinct slice per thread), so with thousands of users
-- no two in-flight operations share a wallet row.
local common = dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")
setup = common.setup
done = common.done

local next_user, products, hot

function init(argv)
  common.parse_args(argv)
  local users = common.arg("users", 10000)
  local threads = common.arg("threads", 1)
  products = common.arg("products", 1000)
  hot = common.arg("hot", 0)
  math.randomseed(thread_id * 7919 + os.time())
  next_user = common.sequence(users, (thread_id - 1) * math.floor(users / threads))
end

function request()
  local pay = common.next_payment()
  if pay then return pay end
  local product = hot > 0 and hot or math.random(1, products)
  return common.order_request(next_user(), product)
end

function response(status, headers, body)
  common.count(status, body)
  if status == 201 then
    common.order_placed(body)
  elseif status == 200 then
    common.order_paid(body)
  end
end
