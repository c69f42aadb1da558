-- Read scenarios: wrk -s reads.lua URL -- kind=health|list|detail|best products=N
-- Requests are generated up front; answers are not parsed (wrk counts status > 399),
-- so the client costs the same per request for every read, /health included.
local common = dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")
setup = common.setup
done = common.done

local pool, n

function init(argv)
  common.parse_args(argv)
  local kind = common.arg("kind", "health")
  local products = common.arg("products", 1000)
  local size = common.arg("size", 20)
  math.randomseed(thread_id * 7919 + os.time())
  pool = {}
  if kind == "health" then
    pool[1] = common.get("/health")
  elseif kind == "best" then
    pool[1] = common.get("/api/v1/products/best")
  elseif kind == "list" then
    local pages = math.max(1, math.floor(products / size))
    for page = 0, pages - 1 do
      pool[#pool + 1] = common.get(string.format("/api/v1/products?page=%d&size=%d", page, size))
    end
  elseif kind == "detail" then
    for id = 1, products do
      pool[#pool + 1] = common.get("/api/v1/products/" .. id)
    end
  else
    error("unknown kind " .. tostring(kind))
  end
  n = #pool
end

function request()
  if n == 1 then return pool[1] end
  return pool[math.random(1, n)]
end
