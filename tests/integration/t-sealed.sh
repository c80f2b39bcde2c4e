#!/bin/bash
# What a session reads on a pass_sealed route depends on nothing another
# device or home did: each still and each push lenscapd seals is a stream
# of its own, with a random stream id (not lenscapd's request counter),
# and its sequence numbers count that stream's frames only (1 for a still;
# 1, 2, 3... for a push), however busy the other cameras are.
. "$top_srcdir/tests/integration/lib.sh"
# pass_sealed routes: their clients verify with the ingest key's public half.
LENSCAP_SEAL=ed25519
setup_pki
setup_nginx "" ""
FRAME_BYTES=2000
POLICY_ROUTES=', { "face": "assistant", "method": "GET", "path": "/v1/sealed/{device}",
      "backend": "/frames/{device}/latest.lcf", "media": "snapshot",
      "freshness_ms": 600000, "content_types": ["image/jpeg"], "pass_sealed": true },
    { "face": "assistant", "method": "GET", "path": "/v1/sealed/{device}/pushed",
      "backend": "/streams/pushed/{device}/live.mjpeg", "media": "mjpeg",
      "freshness_ms": 600000, "content_types": ["image/jpeg"], "pass_sealed": true }'
# Its clients could not verify a keyed seal: lenscapd -t refuses the
# policy that would hand them one, and says which route.
LENSCAP_SEAL=mac write_policy '"cam-1", "cam-2"'
ok "lenscapd -t refuses the keyed seal beside pass_sealed routes" \
	sh -c "! '$LENSCAPD' -t -c '$T/policy.json' 2>'$T/t.err' &&
	grep -q 'seal: the camera face seals with a MAC, which the clients of \"pass_sealed\" route GET /v1/sealed/{device} cannot verify' '$T/t.err'"
write_policy '"cam-1", "cam-2"'
ok "and accepts it with Ed25519" "$LENSCAPD" -t -c "$T/policy.json"
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)

# camera_push DEVICE N: a multipart push of DEVICE's frames 1 to N.
camera_push() {
	local k
	for k in $(seq 1 "$2"); do
		frame "$1" "$k" > "$T/raw-$1"
		printf -- '--cam\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n' \
			"$(wc -c < "$T/raw-$1")"
		cat "$T/raw-$1"; printf '\r\n'
	done
	printf -- '--cam--\r\n'
}
put() { # DEVICE PATH FILE CONTENT_TYPE [curl args]: prints the status
	local d=$1 p=$2 f=$3 ct=$4
	shift 4
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" "$@" \
		--cert "$T/pki/$d.crt" --key "$T/pki/$d.key" -X PUT -T "$f" \
		-H "Content-Type: $ct" "https://127.0.0.1:$C/v1/cameras/$d/$p"
}
get() { # PATH OUT: prints the status
	curl -s -o "$2" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer token-of-account-1' "https://127.0.0.1:$A$1"
}
# fields FILE: "stream_id seq" of every envelope in FILE, in order.
fields() {
	local off
	for off in $(grep -abo LCAP "$1" | cut -d: -f1); do
		tail -c +$((off + 1)) "$1" > "$T/one"
		"$L" inspect -i "$T/one" 2>/dev/null |
			sed -n 's/^ *"stream_id": "\(.*\)",$/\1/p; s/^ *"seq": \([0-9]*\),$/\1/p' |
			paste -sd ' '
	done
}

# cam-2 keeps lenscapd busy: a long push and stills, all the while.
camera_push cam-2 400 > "$T/push-cam-2.mjpeg"
frame cam-2 > "$T/still-cam-2.jpg"
put cam-2 live "$T/push-cam-2.mjpeg" 'multipart/x-mixed-replace; boundary=cam' \
	--limit-rate 100k > "$T/push-cam-2.code" &
NOISE=$!
( while kill -0 "$NOISE" 2>/dev/null; do
	put cam-2 snapshot "$T/still-cam-2.jpg" image/jpeg >/dev/null
  done ) &
STILLS=$!
PIDS="$PIDS $NOISE $STILLS"
sleep 0.5
sealed0=$(metric lenscap_frames_sealed_total)

# --- stills: each its own stream, numbered 1 -------------------------------
frame cam-1 > "$T/still-cam-1.jpg"
: > "$T/stills"
for k in $(seq 1 10); do
	[ "$(put cam-1 snapshot "$T/still-cam-1.jpg" image/jpeg)" = 201 ] || continue
	[ "$(get /v1/sealed/cam-1 "$T/got/still")" = 200 ] || continue
	fields "$T/got/still" >> "$T/stills"
done
sed 's/^/# still: /' "$T/stills"
is "ten stills sealed and read back sealed" "$(wc -l < "$T/stills")" 10
is "no still's stream id is a request counter: 32 random hex digits each" \
	"$(grep -Ec '^[0-9a-f]{32} ' "$T/stills")" 10
is "every still a stream of its own" "$(cut -d' ' -f1 "$T/stills" | sort -u | wc -l)" 10
is "every still's sequence number is 1, whatever cam-2 sealed meanwhile" \
	"$(cut -d' ' -f2 "$T/stills" | sort -u | tr '\n' ' ')" "1 "

# --- a push: one random stream id, its frames numbered 1 to 12 --------------
camera_push cam-1 12 > "$T/push-cam-1.mjpeg"
is "cam-1 pushes twelve frames (201)" \
	"$(put cam-1 live "$T/push-cam-1.mjpeg" 'multipart/x-mixed-replace; boundary=cam' \
		--limit-rate 20k)" 201
rc=$(curl -s -N --cacert "$T/pki/ca.crt" -H 'Authorization: Bearer token-of-account-1' \
	-o "$T/got/push" "https://127.0.0.1:$A/v1/sealed/cam-1/pushed"; echo $?)
is "a session reads the push sealed: a clean end" "$rc" 0
fields "$T/got/push" > "$T/pushed"
sed 's/^/# push: /' "$T/pushed"
is "one stream id for the push, not a request counter" \
	"$(cut -d' ' -f1 "$T/pushed" | sort -u | grep -Ec '^[0-9a-f]{32}$')" 1
sid=$(head -n 1 "$T/pushed" | cut -d' ' -f1)
ok "and not any still's" sh -c "! grep -q '^$sid ' '$T/stills'"
is "its frames numbered 1 to 12, whatever cam-2 sealed meanwhile" \
	"$(cut -d' ' -f2 "$T/pushed" | tr '\n' ' ')" "1 2 3 4 5 6 7 8 9 10 11 12 "
ok "cam-2 was sealing all the while" \
	test "$(metric lenscap_frames_sealed_total)" -gt $((sealed0 + 30))
kill "$NOISE" "$STILLS" 2>/dev/null; wait "$NOISE" "$STILLS" 2>/dev/null
kill "$LENSCAPD_PID"; wait "$LENSCAPD_PID"
is "SIGTERM: exit 0" "$?" 0
done_testing
