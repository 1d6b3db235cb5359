-- wrk script for POST runs: every request carries a unique key, so that on
-- assidu each one is a real INSERT through the writer's group commit.
-- Arguments (after --): PREFIX VALUE_BYTES. The key is PREFIX-THREAD-N;
-- the value is VALUE_BYTES of "v". With BENCH_WRK_DELAY_MS in the
-- environment, each connection waits that long before each request: an
-- offered rate of about connections * 1000 / (DELAY_MS + latency) per
-- second. wrk decides once, when it loads the script, whether delay()
-- exists, hence the environment variable rather than an argument.

local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

-- tid is a global: setup() sets it in each thread's Lua state.
local prefix, value, counter, headers

function init(args)
	prefix = args[1] or "k"
	value = string.rep("v", tonumber(args[2] or "256"))
	tid = tid or 0
	counter = 0
	-- assidu refuses a write whose Origin is not its own (CSRF).
	local host = wrk.headers["Host"]
	headers = {
		["Host"] = host,
		["Origin"] = "http://" .. host,
		["Content-Type"] = "application/json",
	}
end

function request()
	counter = counter + 1
	local body = string.format('{"key":"%s-%d-%d","value":"%s"}',
	    prefix, tid, counter, value)
	return wrk.format("POST", nil, headers, body)
end

local delay_ms = tonumber(os.getenv("BENCH_WRK_DELAY_MS") or "")
if delay_ms then
	function delay()
		return delay_ms
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
	    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d " ..
	    "max_us=%d bytes=%d err_connect=%d err_read=%d err_write=%d " ..
	    "err_timeout=%d err_status=%d\n",
	    summary.requests, summary.duration,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(99), latency.max,
	    summary.bytes, e.connect, e.read, e.write, e.timeout, e.status))
end
