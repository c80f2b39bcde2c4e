# Shared by contrib/bench/beside-nginx and contrib/bench/intents: wrk's
# figures and a process's CPU time.  Source it from the top of the tree.

# ticks PID...: utime+stime of all their threads, in clock ticks.
ticks() {
	local t=0 p s
	for p in "$@"; do
		s=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $s
		t=$((t + ${12} + ${13}))
	done
	echo "$t"
}

# wrk_fig FILE: the figures of wrk --latency's report in FILE, as
# "requests seconds p50_ms p99_ms non2xx socket_errors"; fails if it has none.
wrk_fig() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /m$/) return v * 60000
		if (v ~ /s$/) return v * 1000
		return v
	}
	/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
	/^Requests\/sec:/ { rps = $2 }
	/requests in/ { req = $1 }
	/Non-2xx/ { non2xx = $NF }
	/Socket errors:/ { gsub(",", ""); err = $4 + $6 + $8 + $10 }
	END { if (rps <= 0) exit 1
	      printf "%d %.3f %.3f %.3f %d %d\n", req, req / rps, p50, p99, non2xx, err }' "$1"
}
