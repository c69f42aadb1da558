-- The read lists at a million orders (bench/seed_orders.sql):
--   BENCH_ADMIN_TOKEN=... wrk -s lists.lua URL -- kind=admin|user users=N threads=T
-- admin: the first page of GET /api/v1/admin/orders (20 newest orders of everyone) with
-- the admin token; user: the first page of GET /api/v1/orders?userId= for users 1..N in
-- turn (about 100 orders each).
local common = dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")
setup = common.setup
done = common.done

local kind, next_user, admin

function init(argv)
  common.parse_args(argv)
  kind = common.arg("kind", "admin")
  local users = common.arg("users", 10000)
  local threads = common.arg("threads", 1)
  next_user = common.sequence(users, (thread_id - 1) * math.floor(users / threads))
  admin = wrk.format("GET", "/api/v1/admin/orders?page=0&size=20",
    { ["Authorization"] = "Bearer " .. (os.getenv("BENCH_ADMIN_TOKEN") or "") })
end

function request()
  if kind == "admin" then return admin end
  return wrk.format("GET", "/api/v1/orders?page=0&size=20&userId=" .. next_user())
end

function response(status, headers, body)
  common.count(status, body)
  if status == 200 then ops = ops + 1 end
end
