-- wrk script for GET runs: the default request, a machine-readable summary.
-- Latencies are wrk's (microseconds, from the first byte sent to the last
-- byte received); errors.status counts answers other than 2xx and 3xx.

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
