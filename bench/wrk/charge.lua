-- Point charges, many users: wrk -s charge.lua URL -- users=N threads=T amount=1
-- Each thread walks its own slice of the users, so concurrent charges rarely share a
-- wallet row. One op per 200.
local common = dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")
setup = common.setup
done = common.done

local next_user, amount

function init(argv)
  common.parse_args(argv)
  local users = common.arg("users", 10000)
  local threads = common.arg("threads", 1)
  amount = common.arg("amount", 1)
  next_user = common.sequence(users, (thread_id - 1) * math.floor(users / threads))
end

function request()
  return common.post("/api/v1/points/charge",
    string.format('{"userId": %d, "amount": %d}', next_user(), amount))
end

function response(status, headers, body)
  common.count(status, body)
  if status == 200 then ops = ops + 1 end
end
