#!/bin/bash
# MJPEG through the gate: nginx serves multipart streams of sealed frames
# (slowly, limit_rate); lenscapd relays them as plain MJPEG.  Faults inside
# a stream are skipped, a stream of foreign frames is cut after
# drops_in_a_row, a reload that revokes the device, or gives the session's
# token to another account, ends the stream with no later frame delivered,
# a client that hangs up frees its stream, and one that lags has the newer
# frames skipped.  A camera pushes a stream that is sealed part by part,
# and a reload that revokes its certificate stops what it uploads.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
setup_nginx "" "limit_rate 200k;"
FRAME_BYTES=4000
"$L" keygen -o "$T/pki/rogue-key" >/dev/null || bail keygen
NOW=$(( $(date +%s) * 1000 ))

# cam-1: twenty good frames with four faults among them.
{
	for k in $(seq 1 20); do
		part ingest cam-1 "$k"
		case $k in
		4)  part ingest cam-3 "$k" ;;        # another account's camera
		7)  part ingest cam-1 3 ;;           # a replay of frame 3
		10) part ingest cam-1 99 corrupt ;;  # a corrupted body
		13) part rogue-key cam-1 100 ;;      # a key nobody trusts
		esac
	done
	printf -- '--vendor-boundary--\r\n'
} > "$(stream_file cam-1)"
# cam-4: only cam-5's frames (a mixed-up device map).
{ for k in $(seq 1 10); do part ingest cam-5 "$k"; done; printf -- '--vendor-boundary--\r\n'; } \
	> "$(stream_file cam-4)"
# cam-2 and cam-3: long streams (about 8 s at the backend's pace).
for c in cam-2 cam-3; do
	{ for k in $(seq 1 400); do part ingest "$c" "$k"; done; printf -- '--vendor-boundary--\r\n'; } \
		> "$(stream_file "$c")"
done

write_policy '"cam-1", "cam-2"' '"drops_in_a_row": 3'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)
live() { # ACCOUNT DEVICE OUT [curl args]: fetches the stream; prints curl's exit code
	a=$1; d=$2; o=$3; shift 3
	curl -s -N --cacert "$T/pki/ca.crt" -H "Authorization: Bearer token-of-account-$a" \
		-o "$o" "$@" "https://127.0.0.1:$A/v1/cameras/$d/live"
	echo $?
}
truths() { [ -f "$1" ] || return 0; grep -ao 'lenscap-truth device=cam-[0-9] *frame=[0-9]*' "$1" | tr -s ' ' | sed 's/lenscap-truth //'; }

# --- faults inside a stream ---------------------------------------------
rc=$(live 1 cam-1 "$T/got/cam-1.mjpeg")
is "cam-1's stream ends cleanly" "$rc" 0
is "exactly the twenty good frames, in order" "$(truths "$T/got/cam-1.mjpeg" | tr '\n' ' ')" \
	"$(for k in $(seq 1 20); do printf 'device=cam-1 frame=%s ' "$k"; done)"
ok "the relay speaks multipart with its own boundary" \
	grep -aq -- '--lc-[0-9a-f]*--' "$T/got/cam-1.mjpeg"
ok "no sealed envelope reaches the assistant" sh -c "! grep -aq LCAP '$T/got/cam-1.mjpeg'"
for r in device_mismatch sequence_replay "$(corrupt_reason)" unknown_key; do
	ok "audited: $r" grep -q "\"device\":\"cam-1\".*\"reason\":\"$r\"" "$T/audit.log"
done

is "the delay histogram counts the twenty frames" "$(metric lenscap_frame_delay_seconds_count)" 20
is "and every one waited under a second" "$(metric 'lenscap_frame_delay_seconds_bucket{le="1"}')" 20

# --- a stream of foreign frames is cut after drops_in_a_row ----------------
rc=$(live 2 cam-4 "$T/got/cam-4.mjpeg")
ok "cam-4's stream is cut (curl sees a truncated transfer)" test "$rc" -ne 0
is "no frame of it delivered" "$(truths "$T/got/cam-4.mjpeg" | wc -l)" 0
is "three drops, then the end" \
	"$(grep -c '"device":"cam-4".*"envelope_device":"cam-5".*"reason":"device_mismatch"' "$T/audit.log")" 3

# --- a client that hangs up frees its stream ---------------------------------
rc=$(live 2 cam-3 "$T/got/cam-3.mjpeg" --max-time 1)
is "the client gave up after a second (curl 28)" "$rc" 28
for _ in $(seq 40); do
	curl -s "http://127.0.0.1:$M/metrics" | grep -q '^lenscap_active_streams 0$' && break
	sleep 0.1
done
ok "its stream is gone within four seconds" sh -c "curl -s http://127.0.0.1:$M/metrics | grep -q '^lenscap_active_streams 0\$'"
ok "it had relayed frames" test "$(truths "$T/got/cam-3.mjpeg" | wc -l)" -gt 0

# --- reloads that end a live stream -------------------------------------------
# reload_mid_stream N DEVICE OUT WRITE_POLICY_ARGS...: opens DEVICE's
# stream with token-of-account-N into OUT and, once 20 frames are in,
# writes the policy (POLICY_TOKENS as the caller sets it) and reloads.
# Prints curl's exit code when the stream ends.
reload_mid_stream() {
	local n=$1 d=$2 o=$3
	shift 3
	curl -s -N --cacert "$T/pki/ca.crt" -H "Authorization: Bearer token-of-account-$n" \
		-o "$o" "https://127.0.0.1:$A/v1/cameras/$d/live" &
	local c=$!
	for _ in $(seq 100); do [ "$(truths "$o" | wc -l)" -ge 20 ] && break; sleep 0.05; done
	write_policy "$@"
	kill -HUP "$LENSCAPD_PID"
	wait "$c"
	echo $?
}
# ended_by_reload OUT RC WHAT AUDIT_PATTERN: the stream of 400 frames in
# OUT ended early, the first frame the reload stopped is audited, and no
# frame from it on was delivered.
ended_by_reload() {
	local o=$1 rc=$2 what=$3 before at last
	before=$(truths "$o" | wc -l)
	echo "# frames delivered before $what: $before of 400"
	ok "$what: the stream ended early (curl $rc)" test "$rc" -ne 0 -a "$before" -lt 400
	at=$(grep "$4" "$T/audit.log" | head -n 1 | grep -o '"seq":[0-9]*' | cut -d: -f2)
	ok "$what: audited as not_granted" test -n "$at"
	last=$(truths "$o" | tail -n 1 | grep -o 'frame=[0-9]*' | cut -d= -f2)
	ok "$what: no frame from then on delivered (last $last < $at)" \
		test "${last:-0}" -lt "${at:-0}"
}

# acct-1 loses cam-2.
rc=$(reload_mid_stream 1 cam-2 "$T/got/cam-2.mjpeg" '"cam-1"' '"drops_in_a_row": 3')
ended_by_reload "$T/got/cam-2.mjpeg" "$rc" "cam-2 revoked" '"device":"cam-2".*"reason":"not_granted"'
is "one not_granted drop ends the stream" \
	"$(grep -c '"device":"cam-2".*"reason":"not_granted"' "$T/audit.log")" 1

# acct-2's token goes to acct-1.  acct-2 keeps its grant of cam-3, and
# acct-1 may see cam-3 too: only the session, looked up again for every
# frame, ends the stream (Eufy: a backend that logs one user into
# another's account).
rc=$(POLICY_TOKENS="1:1 2:1 3:3" reload_mid_stream 2 cam-3 "$T/got/cam-3-moved.mjpeg" \
	'"cam-1", "cam-3"' '"drops_in_a_row": 3')
ended_by_reload "$T/got/cam-3-moved.mjpeg" "$rc" "token moved" \
	'"account":"acct-2","device":"cam-3".*"reason":"not_granted"'

# --- a camera pushes MJPEG; lenscapd seals every part --------------------------
C=$(port_of camera)
# camera_push DEVICE N [K]: a camera's multipart push of DEVICE's frames
# 1 to N (boundary "cam"), with a part that is not a JPEG before frame K.
camera_push() {
	local k
	for k in $(seq 1 "$2"); do
		frame "$1" "$k" > "$T/raw"
		if [ "$k" = "${3:-}" ]; then
			printf -- '--cam\r\nContent-Type: text/plain\r\n\r\nnot a frame\r\n'
		fi
		printf -- '--cam\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n' "$(wc -c < "$T/raw")"
		cat "$T/raw"; printf '\r\n'
	done
	printf -- '--cam--\r\n'
}
camera_push cam-5 12 6 > "$T/push.mjpeg"
pushmj() { # CERT DEVICE
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		--cert "$T/pki/$1.crt" --key "$T/pki/$1.key" -X PUT -T "$T/push.mjpeg" \
		-H 'Content-Type: multipart/x-mixed-replace; boundary=cam' \
		"https://127.0.0.1:$C/v1/cameras/$2/live"
}
is "cam-6 may not push cam-5's stream (403)" "$(pushmj cam-6 cam-5)" 403
is "cam-5 pushes its stream, chunked (201)" "$(pushmj cam-5 cam-5)" 201
ok "the backend stored it as sealed frames" grep -aq LCAP "$T/store/streams/pushed/cam-5/live.mjpeg"
ok "the part that was not a JPEG is audited" grep -q '"device":"cam-5".*content type not allowed' "$T/audit.log"
rc=$(curl -s -N --cacert "$T/pki/ca.crt" -H "Authorization: Bearer token-of-account-3" \
	-o "$T/got/cam-5.mjpeg" "https://127.0.0.1:$A/v1/cameras/cam-5/pushed"; echo $?)
is "acct-3 watches it: a clean end" "$rc" 0
is "the twelve frames, in order" "$(truths "$T/got/cam-5.mjpeg" | tr '\n' ' ')" \
	"$(for k in $(seq 1 12); do printf 'device=cam-5 frame=%s ' "$k"; done)"

# --- a reload that revokes a camera's certificate stops what it uploads -------
# cam-6 pushes 60 frames at a trickle; once five are sealed, a reload
# leaves its certificate to no device: the push is cut, and no frame is
# sealed after the reload.  A still whose upload spans such a reload is
# refused (401) once its body is in.
camera_push cam-6 60 > "$T/push6.mjpeg"
upload() { # PATH FILE CONTENT_TYPE: cam-6 uploads FILE at 40 kB/s; prints the status
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" --limit-rate 40k \
		--cert "$T/pki/cam-6.crt" --key "$T/pki/cam-6.key" -X PUT -T "$2" \
		-H "Content-Type: $3" "https://127.0.0.1:$C/v1/cameras/cam-6/$1"
}
sealed0=$(metric lenscap_frames_sealed_total)
upload live "$T/push6.mjpeg" 'multipart/x-mixed-replace; boundary=cam' > "$T/push6.code" &
PUSH=$!
PIDS="$PIDS $PUSH"
for _ in $(seq 100); do [ "$(metric lenscap_frames_sealed_total)" -ge $((sealed0 + 5)) ] && break; sleep 0.05; done
POLICY_TOKEN_ONLY=6 write_policy '"cam-1"' '"drops_in_a_row": 3'
is "the reload that revokes cam-6's certificate is taken" "$(hup)" "policy in force"
sealed1=$(metric lenscap_frames_sealed_total)
wait "$PUSH"
echo "# cam-6: $((sealed1 - sealed0)) of 60 frames sealed before the reload"
ok "the push was cut, not stored (status $(cat "$T/push6.code"))" test "$(cat "$T/push6.code")" != 201
ok "it is audited" grep -q '"device":"cam-6".*"detail":"device credentials revoked: push cut"' "$T/audit.log"
ok "no frame sealed after the reload" test "$(metric lenscap_frames_sealed_total)" -le $((sealed1 + 1))
is "a new push with that certificate: 401" "$(pushmj cam-6 cam-6)" 401
write_policy '"cam-1"' '"drops_in_a_row": 3'
is "its certificate given back" "$(hup)" "policy in force"
FRAME_BYTES=120000 frame cam-6 1 > "$T/still6.jpg"
upload snapshot "$T/still6.jpg" image/jpeg > "$T/still6.code" &
PUSH=$!
PIDS="$PIDS $PUSH"
sleep 1
POLICY_TOKEN_ONLY=6 write_policy '"cam-1"' '"drops_in_a_row": 3'
is "revoked again while a still is on its way" "$(hup)" "policy in force"
wait "$PUSH"
is "the still is refused once its body is in (401)" "$(cat "$T/still6.code")" 401
ok "and audited" grep -q '"device":"cam-6".*"detail":"device credentials revoked"}' "$T/audit.log"

# --- a client that lags two frames behind has newer frames skipped ------------
# Frames wait for the client up to twice the largest frame allowed: make
# that small, and read cam-3's stream at a trickle.
reloads=$(metric lenscap_reloads_total)
MAX_FRAME_BYTES=6000 write_policy '"cam-1"' '"drops_in_a_row": 3'
kill -HUP "$LENSCAPD_PID"
for _ in $(seq 50); do [ "$(metric lenscap_reloads_total)" -gt "$reloads" ] && break; sleep 0.1; done
relayed=$(metric lenscap_frames_relayed_total)
rc=$(live 2 cam-3 "$T/got/slow.mjpeg" --limit-rate 20k --max-time 4)
is "the slow client stopped after four seconds (curl 28)" "$rc" 28
for _ in $(seq 40); do [ "$(metric lenscap_active_streams)" = 0 ] && break; sleep 0.1; done
got=$(truths "$T/got/slow.mjpeg" | grep -c 'device=cam-3 ')
last=$(truths "$T/got/slow.mjpeg" | tail -n 1 | grep -o 'frame=[0-9]*' | cut -d= -f2)
skipped=$(metric lenscap_frames_skipped_total)
echo "# slow client: $got frames, the last frame=$last, $skipped skipped"
ok "frames were skipped, and counted" test "${skipped:-0}" -gt 0
truths "$T/got/slow.mjpeg" | grep -o 'frame=[0-9]*' | cut -d= -f2 > "$T/slow.seq"
ok "the client's frames are in order" sort -n -u -c "$T/slow.seq"
ok "with the skipped ones missing" test "${last:-0}" -gt "$got"
ok "every frame relayed was one the client could take" \
	test "$(( $(metric lenscap_frames_relayed_total) - relayed ))" -ge "$got"

kill -TERM "$LENSCAPD_PID"
wait "$LENSCAPD_PID"
is "SIGTERM: exit 0" "$?" 0
done_testing
