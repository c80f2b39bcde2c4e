# Shared by the tests that run the chaos backend (tests/sim, tests/incidents):
# the integration scenario of tests/integration/lib.sh, with the chaos
# backend in nginx's place.
. "$top_srcdir/tests/integration/lib.sh"
CHAOS="$top_builddir/tests/sim/chaos"
ASSISTANT="$top_builddir/tests/sim/assistant"
MATCH="$top_srcdir/tests/sim/match-audit.awk"
# lenscapd's backend limits in these tests, and a stall that outlasts
# them: generous, so that a slow (sanitized, busy) machine does not time
# out a request the backend answers, which would be an error no fault
# explains (3 s was seen to time out a few first requests under ASan
# on a loaded machine).
CHAOS_TIMEOUT_MS=${CHAOS_TIMEOUT_MS:-6000}
CHAOS_BACKEND=", \"timeout_ms\": $CHAOS_TIMEOUT_MS, \"connect_timeout_ms\": 5000"
STALL_MS=$((CHAOS_TIMEOUT_MS + 2000))
POLICY_BACKEND=${POLICY_BACKEND:-$CHAOS_BACKEND}

# setup_chaos_keys: the keys the chaos backend seals with: lenscapd's
# ingest key, one nobody trusts, and a camera key trusted for cam-6 only
# (the last device).
setup_chaos_keys() {
	mkdir -p "$T/chaos" || bail mkdir
	cp "$T/pki/ingest.sec" "$T/chaos/ingest.sec" && chmod 600 "$T/chaos/ingest.sec" &&
	{ [ "$LENSCAP_SEAL" != mac ] || { cp "$T/pki/ingest.mac" "$T/chaos/ingest.mac" &&
	  chmod 600 "$T/chaos/ingest.mac"; }; } &&
	"$L" keygen -o "$T/chaos/unknown" >/dev/null &&
	"$L" keygen -o "$T/chaos/camkey" >/dev/null || bail "chaos keys"
	POLICY_KEYS=', { "public_file": "chaos/camkey.pub", "devices": ["cam-6"] }'
}

# start_chaos ARGS...: the chaos backend over TLS on a port of its own
# choosing, its report in $T/chaos/report; sets FRONT (and CHAOS_PORT).
# With CHAOS_PLAIN set, plain HTTP (for a front such as start_cdn's).
start_chaos() {
	rm -f "$T/chaos/port"
	tls="-c $T/pki/backend.crt -K $T/pki/backend.key"
	[ -n "${CHAOS_PLAIN:-}" ] && tls=""
	"$CHAOS" -k "$T/chaos" -P "$T/chaos/port" $tls \
		-R "$T/chaos/report" "$@" 2>>"$T/chaos/stderr" &
	CHAOS_PID=$!
	PIDS="$PIDS $CHAOS_PID"
	for _ in $(seq 100); do [ -s "$T/chaos/port" ] && break; sleep 0.1; done
	CHAOS_PORT=$(cat "$T/chaos/port" 2>/dev/null) || bail "chaos did not start: $(cat "$T/chaos/stderr")"
	FRONT=$CHAOS_PORT
}

# stop_chaos: SIGTERM, so that it writes its totals.
stop_chaos() {
	kill -TERM "$CHAOS_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$CHAOS_PID" 2>/dev/null || break; sleep 0.1; done
}

# assistants ARGS...: the assistant simulator against lenscapd; its
# totals in $T/assistant.out ("name value" lines).
assistants() {
	"$ASSISTANT" -u "https://127.0.0.1:$A" -C "$T/pki/ca.crt" \
		-H "http://127.0.0.1:$M/healthz" -p "$LENSCAPD_PID" "$@" \
		> "$T/assistant.out" 2>"$T/assistant.err"
}
got() { awk -v k="$1" '$1 == k { print $2 }' "${2:-$T/assistant.out}"; }

# start_cdn CACHE_DIRECTIVES: real nginx as the vendor's TLS front and
# cache, proxying to the chaos backend (started plain, on $CHAOS_PORT)
# with CACHE_DIRECTIVES in its location; sets FRONT.
start_cdn() {
	FRONT=$(free_port)
	mkdir -p "$T/nginx" || bail mkdir
	{ nginx_head; cat <<EOT
  proxy_cache_path $T/nginx/cache keys_zone=cdn:1m;
  map \$uri \$shared_key { ~^/frames/[^/]+/(?<rest>.*)\$ /frames/\$rest; default \$uri; }
  server {
    listen 127.0.0.1:$FRONT ssl;
    ssl_certificate $T/pki/backend.crt;
    ssl_certificate_key $T/pki/backend.key;
    location / { proxy_pass http://127.0.0.1:$CHAOS_PORT; $1 }
  }
}
EOT
	} > "$T/nginx/nginx.conf"
	start_nginx "$T/nginx/nginx.conf"
	wait_port "$FRONT" || bail "nginx did not start: $(cat "$T/nginx/stderr")"
}

# verdict: what every run against a misbehaving backend must show.
verdict() {
	is "frames delivered to the wrong session" "$(got leaked)" 0
	is "frames of another device delivered" "$(got misdelivered)" 0
	is "delivered frames that differ from the camera's" "$(got corrupt)" 0
	is "delivered frames without their truth" "$(got no_truth)" 0
	is "the health check answered throughout" "$(got health_bad)" 0
	ok "no image byte in the audit trail" sh -c "! grep -aq 'lenscap-truth' '$T/audit.log'"
}

# matched [REPORT AUDIT]: every fault in the chaos report is in the audit
# trail as what it is, and nothing else is.
matched() {
	awk -f "$MATCH" "${1:-$T/chaos/report}" "${2:-$T/audit.log}" > "$T/match"
	grep '^#' "$T/match" | head -n 20
	is "injected faults missing from the audit trail" "$(got missed "$T/match")" 0
	is "audited drops and backend errors no fault explains" "$(got unexpected "$T/match")" 0
	lost=$(( $(got unanswered "$T/match") + $(got cut "$T/match") ))
	ok "responses failed at the backend before their faults arrived: $lost (at most 2%)" \
		test "$(( lost * 50 ))" -le "$(( $(got requests) + 49 ))"
}

# faults KIND...: how many faults of these kinds the chaos report holds.
faults() {
	n=0
	for k in "$@"; do
		n=$((n + $(grep -c "\"fault\":\"$k\"" "$T/chaos/report")))
	done
	echo "$n"
}

# drops REASON: drops audited with that reason.
drops() { grep -c "\"event\":\"drop\".*\"reason\":\"$1\"" "$T/audit.log"; }
