#!/bin/bash
# Load with faults: LOAD_SESSIONS sessions over LOAD_DEVICES devices (two
# an account), snapshots and MJPEG streams at once, 5% of the frames
# faulted in every kind the chaos backend has, until LOAD_FRAMES frames
# have passed lenscapd's gate.  No frame may reach the wrong session,
# every delivered frame must be the camera's byte for byte, every fault
# must be in the audit trail, lenscapd must not crash, must not grow in
# descriptors or memory (read from /proc), and must answer its health
# check throughout.  make check runs a small count; the long mode is
#   LOAD_FRAMES=1000000 LOAD_CONCURRENCY=32 make check TESTS=tests/sim/t-load.sh
. "$top_srcdir/tests/sim/lib.sh"
FRAMES=${LOAD_FRAMES:-10000}
DEVICES=${LOAD_DEVICES:-200}
SESSIONS=${LOAD_SESSIONS:-100}
CONC=${LOAD_CONCURRENCY:-16}
# Under AddressSanitizer, freed memory waits in a quarantine of 256 MiB
# by default, which a stream's per-frame buffers fill in a few thousand
# frames: RSS would grow by it and hide a real leak, or fail the check
# below without one.  A small quarantine keeps the check meaningful there
# (no effect on other builds).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
SEED=${CHAOS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $SEED, $FRAMES frames, $SESSIONS sessions, $DEVICES devices, $CONC at once"
setup_pki
setup_chaos_keys

# The policy: cam-1..cam-N with device tokens, acct-k sees cam-2k-1 and
# cam-2k, a session token for each account; the camera key may sign for
# the last device only.
load_policy() {
	{
		cat <<EOT
{
  "listeners": {
    "assistant": { "listen": "127.0.0.1:0",
                   "tls": { "cert": "pki/server.crt", "key": "pki/server.key" } },
    "admin": { "listen": "127.0.0.1:0", "plain": true }
  },
  "backend": { "url": "https://127.0.0.1:$FRONT", "ca": "pki/ca.crt" $CHAOS_BACKEND },
  "ingest_key": "pki/ingest.sec", $(seal_section)
  "keys": [ { "public_file": "pki/ingest.pub", "devices": ["*"] },
            { "public_file": "chaos/camkey.pub", "devices": ["cam-$DEVICES"] } ],
EOT
		printf '  "devices": {'
		for n in $(seq "$DEVICES"); do
			[ "$n" -gt 1 ] && printf ','
			printf '\n    "cam-%s": { "auth": { "token_sha256": "%s" } }' "$n" "$(token_digest "device-token-$n")"
		done
		printf ' },\n  "accounts": {'
		for a in $(seq $((DEVICES / 2))); do
			[ "$a" -gt 1 ] && printf ','
			printf '\n    "acct-%s": { "devices": ["cam-%s", "cam-%s"] }' "$a" $((2 * a - 1)) $((2 * a))
		done
		printf ' },\n  "sessions": { "static": ['
		for a in $(seq $((DEVICES / 2))); do
			[ "$a" -gt 1 ] && printf ','
			printf '\n    { "token_sha256": "%s", "account": "acct-%s" }' "$(token_digest "token-of-account-$a")" "$a"
		done
		cat <<EOT
 ] },
  "routes": [
    { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/snapshot",
      "backend": "/frames/{device}/latest.lcf", "media": "snapshot",
      "freshness_ms": 600000, "content_types": ["image/jpeg"] },
    { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/live",
      "backend": "/streams/{device}/live.mjpeg", "media": "mjpeg",
      "freshness_ms": 600000, "content_types": ["image/jpeg"] }
  ],
  "limits": { "max_frame_bytes": 1048576, "drops_in_a_row": 1000 }
}
EOT
	} > "$T/policy.json"
}

start_chaos -s "$SEED" -r 0.05 -f all -d "$DEVICES" -S "$STALL_MS" -n 25 -i 2
load_policy
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

assistants -s "$SEED" -n "$FRAMES" -c "$CONC" -S "$SESSIONS" -d "$DEVICES" -t 20
rc=$?
stop_chaos
sed 's/^/# /' "$T/assistant.out"
is "assistant simulator: exit 0" "$rc" 0
verdict
ok "the frames went through the gate" test "$(( $(got delivered) + $(got dropped) ))" -ge "$FRAMES"
ok "faults were injected" test "$(faults corrupt other_device other_account stale)" -gt 0
matched
ok "lenscapd is alive" kill -0 "$LENSCAPD_PID"
ok "descriptors did not grow (warm $(got fds_first), end $(got fds_last))" \
	test "$(got fds_last)" -le $(( $(got fds_first) + 8 ))
ok "memory did not grow (warm $(got rss_first_kb) KiB, end $(got rss_last_kb) KiB)" \
	test "$(got rss_last_kb)" -le $(( $(got rss_first_kb) * 5 / 4 + 16384 ))
ok "the health check was asked" test "$(got health_ok)" -gt 0
done_testing
