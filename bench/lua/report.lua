-- Appended to every scenario script: prints one machine-readable line for bench/wrk.ts.
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'BENCH_RESULT {"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,' ..
		'"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
		summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
		latency:percentile(50), latency:percentile(99), latency.max))
end
