#!/bin/bash
# Ends of work: SIGTERM while assistants fetch stills over kept-alive
# connections and while a camera pushes a stream (lenscapd must exit 0,
# with no connection left suspended: libmicrohttpd aborts the process
# otherwise), and a push whose backend stream fails half-way, which is cut
# at once instead of being sealed into a queue nobody reads.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
# The store takes at most 60 kB of one pushed stream, then answers 413.
setup_nginx "" "client_max_body_size 60k;"
FRAME_BYTES=2000
write_policy '"cam-1"'
frame cam-1 1 > "$T/still.jpg"
mjpeg_of() { # N: N parts of the frame in $T/raw, and the close delimiter
	local k
	for k in $(seq "$1"); do
		printf -- '--cam\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n' \
			"$(wc -c < "$T/raw")"
		cat "$T/raw"; printf '\r\n'
	done
	printf -- '--cam--\r\n'
}
push() { # RATE FILE: cam-5 pushes FILE at RATE; prints the status
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" --limit-rate "$1" \
		--cert "$T/pki/cam-5.crt" --key "$T/pki/cam-5.key" -X PUT -T "$2" \
		-H 'Content-Type: multipart/x-mixed-replace; boundary=cam' \
		"https://127.0.0.1:$C/v1/cameras/cam-5/live"
}
# stop_now: SIGTERM; lenscapd's exit status in $STOPPED (137 if it had to
# be killed after 20 s: the grace period is 10 s).
stop_now() {
	kill -TERM "$LENSCAPD_PID"
	( sleep 20; kill -9 "$LENSCAPD_PID" 2>/dev/null ) > /dev/null 2>&1 &
	local watch=$!
	wait "$LENSCAPD_PID"
	STOPPED=$?
	kill "$watch" 2>/dev/null
	wait "$watch" 2>/dev/null
}

# --- SIGTERM while stills are fetched over kept-alive connections ------------
for round in 1 2 3; do
	start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
	A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)
	curl -s -o /dev/null --cacert "$T/pki/ca.crt" --cert "$T/pki/cam-1.crt" \
		--key "$T/pki/cam-1.key" -X PUT -T "$T/still.jpg" -H 'Content-Type: image/jpeg' \
		"https://127.0.0.1:$C/v1/cameras/cam-1/snapshot"
	urls=$(for _ in $(seq 2000); do printf -- '-o /dev/null https://127.0.0.1:%s/v1/cameras/cam-1/snapshot ' "$A"; done)
	fetchers=""
	for f in 1 2 3; do
		# shellcheck disable=SC2086 # one URL a word: curl reuses the connection
		curl -s -w '%{http_code}\n' --cacert "$T/pki/ca.crt" \
			-H "Authorization: Bearer token-of-account-1" $urls > "$T/codes.$f" 2>/dev/null &
		fetchers="$fetchers $!"
	done
	PIDS="$PIDS $fetchers"
	for _ in $(seq 100); do [ "$(metric lenscap_frames_relayed_total)" -ge 100 ] && break; sleep 0.05; done
	ok "round $round: stills are being fetched" test "$(metric lenscap_frames_relayed_total)" -ge 100
	stop_now
	is "round $round: SIGTERM while stills are fetched: exit 0" "$STOPPED" 0
	# The rest of each client's list fails at once (000): no lenscapd.
	# shellcheck disable=SC2086
	wait $fetchers
	echo "# answers: $(cat "$T"/codes.* | sort | uniq -c | tr '\n' ' ')"
	ok "round $round: every answer was a 200 or a 502" \
		sh -c "! cat $T/codes.* | grep -v -e '^200\$' -e '^502\$' -e '^000\$' | grep -q ."
done

# --- SIGTERM while a camera pushes ----------------------------------------------
FRAME_BYTES=500 frame cam-5 1 > "$T/raw"
mjpeg_of 3000 > "$T/long.mjpeg"
for round in 1 2 3; do
	start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
	A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)
	push 300k "$T/long.mjpeg" > /dev/null &
	PUSHER=$!
	PIDS="$PIDS $PUSHER"
	for _ in $(seq 100); do [ "$(metric lenscap_frames_sealed_total)" -ge 20 ] && break; sleep 0.05; done
	stop_now
	is "round $round: SIGTERM while a camera pushes: exit 0" "$STOPPED" 0
	wait "$PUSHER"
done
ok "no sanitizer or libmicrohttpd complaint" \
	sh -c "! grep -E 'ERROR: |runtime error|Fatal error' '$T/lenscapd.stderr'"

# --- the backend's stream of a push fails half-way: the push is cut -----------
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)
FRAME_BYTES=4000 frame cam-5 1 > "$T/raw"
mjpeg_of 100 > "$T/big.mjpeg"
code=$(push 200k "$T/big.mjpeg")
ok "the push is cut, not stored (status $code)" test "$code" != 201
ok "audited as a backend_error, with the cut" \
	grep -q '"event":"backend_error".*"device":"cam-5".*: push cut"' "$T/audit.log"
# Before, the parts went on being sealed into a queue of two, and every
# one after was skipped, each with an audit line.
is "no part was skipped into a queue nobody reads" \
	"$(grep -c '"device":"cam-5".*backend too slow' "$T/audit.log")" 0
echo "# parts sealed before the cut: $(metric lenscap_frames_sealed_total) of 100 (the store took 60 kB)"
is "lenscapd still serves" "$(curl -s "http://127.0.0.1:$M/healthz")" ok
stop_now
is "SIGTERM: exit 0" "$STOPPED" 0

# --- draining: /healthz says so at once, the listeners stay open for -D -------
LENSCAPD_ARGS="-D 3" start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)
healthz() { curl -s -m 5 -w ' %{http_code}' "http://127.0.0.1:$M/healthz" | tr -d '\n'; }
is "before SIGTERM /healthz answers 200 ok" "$(healthz)" "ok 200"
kill -TERM "$LENSCAPD_PID"
t0=$(date +%s%N)
sleep 0.3
is "after SIGTERM /healthz answers 503 draining" "$(healthz)" "draining 503"
is "and a new connection to the assistant face is still served (401, no token)" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
	   "https://127.0.0.1:$A/v1/cameras/cam-1/snapshot")" 401
( sleep 20; kill -9 "$LENSCAPD_PID" 2>/dev/null ) > /dev/null 2>&1 &
watch=$!
wait "$LENSCAPD_PID"
is "it exits 0 once the drain time is over" "$?" 0
kill "$watch" 2>/dev/null; wait "$watch" 2>/dev/null
took=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# exit $took ms after SIGTERM (-D 3)"
ok "not before the 3 s of -D" test "$took" -ge 2900
ok "nor long after" test "$took" -lt 8000
# A second SIGTERM ends the drain at once.
LENSCAPD_ARGS="-D 60" start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
M=$(port_of admin)
kill -TERM "$LENSCAPD_PID"
sleep 0.3
is "-D 60: draining" "$(healthz)" "draining 503"
t0=$(date +%s%N)
kill -TERM "$LENSCAPD_PID"
wait "$LENSCAPD_PID"
is "a second SIGTERM ends the drain: exit 0" "$?" 0
took=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "within 5 s of the second SIGTERM ($took ms)" test "$took" -lt 5000
done_testing
