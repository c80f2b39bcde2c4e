# Shared by the tests that run the chaos backend (tests/sim, tests/incidents):
# the integration scenario of tests/integration/lib.sh, with the chaos
# backend in nginx's place.
. "$top_srcdir/tests/integration/lib.sh"
CHAOS="$top_builddir/tests/sim/chaos"
ASSISTANT="$top_builddir/tests/sim/assistant"
MATCH="$top_srcdir/tests/sim/match-audit.awk"

# setup_chaos_keys: the keys the chaos backend seals with: lenscapd's
# ingest key, one nobody trusts, and a camera key trusted for cam-6 only
# (the last device).
setup_chaos_keys() {
	mkdir -p "$T/chaos" || bail mkdir
	cp "$T/pki/ingest.sec" "$T/chaos/ingest.sec" && chmod 600 "$T/chaos/ingest.sec" &&
	"$L" keygen -o "$T/chaos/unknown" >/dev/null &&
	"$L" keygen -o "$T/chaos/camkey" >/dev/null || bail "chaos keys"
	POLICY_KEYS=', { "public_file": "chaos/camkey.pub", "devices": ["cam-6"] }'
}

# start_chaos ARGS...: the chaos backend over TLS on a port of its own
# choosing, its report in $T/chaos/report; sets FRONT.
start_chaos() {
	rm -f "$T/chaos/port"
	"$CHAOS" -k "$T/chaos" -P "$T/chaos/port" -c "$T/pki/backend.crt" -K "$T/pki/backend.key" \
		-R "$T/chaos/report" "$@" 2>>"$T/chaos/stderr" &
	CHAOS_PID=$!
	PIDS="$PIDS $CHAOS_PID"
	for _ in $(seq 100); do [ -s "$T/chaos/port" ] && break; sleep 0.1; done
	FRONT=$(cat "$T/chaos/port" 2>/dev/null) || bail "chaos did not start: $(cat "$T/chaos/stderr")"
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
