-- A user's own calls, with or without their bearer token, to price user authentication:
--   wrk -s user_calls.lua URL -- kind=balance|charge users=N threads=T [tokens=FILE]
-- FILE holds one JWT per line, line k for user k (scripts/bench writes it with
-- scripts/lib/jwt_mint.py). Without it the requests carry no Authorization header; the
-- requests are otherwise identical, so the two runs differ only by the token check.
local common = dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")
setup = common.setup
done = common.done

local kind, next_user, tokens

local function read_tokens(path)
  local list = {}
  for line in io.lines(path) do list[#list + 1] = line end
  return list
end

function init(argv)
  common.parse_args(argv)
  kind = common.arg("kind", "balance")
  local users = common.arg("users", 10000)
  local threads = common.arg("threads", 1)
  local file = common.arg("tokens", "")
  if file ~= "" then
    tokens = read_tokens(file)
    users = math.min(users, #tokens)
  end
  next_user = common.sequence(users, (thread_id - 1) * math.floor(users / threads))
end

function request()
  local user = next_user()
  local headers = {}
  if tokens then headers["Authorization"] = "Bearer " .. tokens[user] end
  if kind == "charge" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/points/charge", headers,
      string.format('{"userId": %d, "amount": 1}', user))
  end
  return wrk.format("GET", "/api/v1/points?userId=" .. user, headers)
end

function response(status, headers, body)
  common.count(status, body)
  if status == 200 then ops = ops + 1 end
end
