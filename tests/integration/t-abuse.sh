#!/bin/bash
# Abuse from the clients' side, on both faces: slow clients (slowloris),
# huge and many headers, more connections than the limits, bad TLS, bad
# and missing tokens, device ids that try to leave their path segment,
# oversized and malformed uploads.  Each must get a clear error (or a
# closed connection where HTTP cannot be spoken), be audited where it
# matters, leak no image byte, cause no backend request for a wrong
# device, and leave lenscapd serving.
. "$top_srcdir/tests/integration/lib.sh"
command -v gnutls-cli >/dev/null 2>&1 || skip_all "gnutls-cli not installed"
HEAD_MS=3000 # limits.idle_timeout_ms: also the deadline for a request's head
setup_pki
# cam-6's certificate is one that expired: the policy pins it, so expiry
# is the only thing wrong with it.
cat > "$T/pki/cam-6.tmpl" <<EOT
cn = "cam-6"
activation_date = "2020-01-01 00:00:00"
expiration_date = "2020-01-02 00:00:00"
tls_www_client
signing_key
EOT
certtool --generate-certificate --load-privkey "$T/pki/cam-6.key" \
	--load-ca-certificate "$T/pki/ca.crt" --load-ca-privkey "$T/pki/ca.key" \
	--template "$T/pki/cam-6.tmpl" --outfile "$T/pki/cam-6.crt" 2>/dev/null || bail "expired cert"
setup_nginx "" ""
write_policy '"cam-1", "cam-2"' \
	"\"idle_timeout_ms\": $HEAD_MS, \"max_connections\": 8, \"max_connections_per_ip\": 4"
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)
trap '' PIPE # writes to connections lenscapd closed must not kill the test
mkdir -p "$T/bodies"
echo 0 > "$T/nbody"

# Every answer body is kept in $T/bodies, to check at the end that none
# carries image bytes; last_body is the latest.  (A file, not a variable:
# the helpers run in command substitutions.)
body() { n=$(( $(cat "$T/nbody") + 1 )); echo "$n" > "$T/nbody"; echo "$T/bodies/$n"; }
last_body() { echo "$T/bodies/$(cat "$T/nbody")"; }
ms() { date +%s%3N; }
audits() { grep -c "$1" "$T/audit.log"; }
healthy() { test "$(curl -s -m 5 "http://127.0.0.1:$M/healthz")" = ok; }
# cam CERT METHOD PATH [curl args]: camera face; prints the status.
cam() {
	c=$1; m=$2; p=$3; shift 3
	curl -s -m 20 --path-as-is -o "$(body)" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		${c:+--cert "$T/pki/$c.crt" --key "$T/pki/$c.key"} -X "$m" "$@" \
		"https://127.0.0.1:$C$p"
}
# ast TOKEN PATH [curl args]: assistant face GET; prints the status.
ast() {
	t=$1; p=$2; shift 2
	curl -s -m 20 --path-as-is -o "$(body)" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		${t:+-H "Authorization: Bearer $t"} "$@" "https://127.0.0.1:$A$p"
}
snap() { echo "/v1/cameras/$1/snapshot"; }

# --- a baseline: cam-1 pushes, acct-1 sees it ----------------------------------
frame cam-1 > "$T/frames/cam-1.jpg"
is "cam-1 pushes a still (201)" \
	"$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 201
is "acct-1 fetches it (200)" "$(ast token-of-account-1 "$(snap cam-1)")" 200
ok "and gets cam-1's frame" cmp -s "$(last_body)" "$T/frames/cam-1.jpg"

# --- slowloris ---------------------------------------------------------------------
# slow_tcp PORT OUT [tls]: a raw TCP client that sends a byte every 200
# ms and never ends its request (on a TLS port: a TLS record header that
# announces 512 bytes, then the bytes); writes how long the connection
# lived (ms), or "open" if it still was after 4 deadlines.
slow_tcp() {
	t0=$(ms)
	exec 7<>"/dev/tcp/127.0.0.1/$1" || { echo error > "$2"; return; }
	record=('\026' '\003' '\001' '\002' '\000') # handshake, TLS 1.0, 512 bytes
	rc=0
	for i in $(seq 0 $((HEAD_MS * 4 / 200))); do
		b='G'
		[ "${3:-}" = tls ] && b=${record[i]:-'\000'}
		printf "$b" >&7 2>/dev/null || break
		read -r -t 0.2 -n 1 _ <&7; rc=$?
		[ "$rc" -gt 128 ] || break # not a timeout: EOF or an error
	done
	[ "$rc" -gt 128 ] && echo open > "$2" || echo $(( $(ms) - t0 )) > "$2"
	exec 7>&-
}
slow_tcp "$A" "$T/slow-assistant" tls &
SLOW="$!"
slow_tcp "$C" "$T/slow-camera" tls &
SLOW="$SLOW $!"
slow_tcp "$M" "$T/slow-admin" &
SLOW="$SLOW $!"
sleep 1
is "while slow clients hold connections, another client is served" \
	"$(ast token-of-account-1 "$(snap cam-1)")" 200
ok "and the admin face answers" healthy
# A client that completed TLS (with a valid camera certificate) and
# then sends its request head a byte at a time.
t0=$(ms)
head=$'PUT /v1/cameras/cam-1/snapshot HTTP/1.1\r\nHost: x\r\n'
{ for ((i = 0; i < ${#head}; i++)); do
	printf '%s' "${head:i:1}" 2>/dev/null || break; sleep 0.2; done; } |
	{ gnutls-cli --x509cafile "$T/pki/ca.crt" --x509certfile "$T/pki/cam-1.crt" \
		--x509keyfile "$T/pki/cam-1.key" -p "$C" 127.0.0.1 >"$T/slow-tls.out" 2>&1
	  echo $(( $(ms) - t0 )) > "$T/slow-tls"; }
wait $SLOW
for f in assistant camera admin tls; do
	lived=$(cat "$T/slow-$f")
	echo "# slow client on $f lived $lived ms (deadline $HEAD_MS ms)"
	ok "slowloris on $f: closed within the deadline (+1 s)" \
		test "$lived" != open -a "$lived" != error -a "${lived%%[!0-9]*}" -ge $((HEAD_MS - 300)) \
		-a "${lived%%[!0-9]*}" -le $((HEAD_MS + 1000))
done
ok "the TLS one had completed its handshake" grep -q 'Handshake was completed' "$T/slow-tls.out"
ok "lenscapd says why it closed them" grep -q 'request head not complete within' "$T/lenscapd.stderr"
is "after the slow clients, a client is served" "$(ast token-of-account-1 "$(snap cam-1)")" 200
is "lenscap_heads_late_total: the slow client on the assistant face" \
	"$(metric 'lenscap_heads_late_total{face="assistant"}')" 1
is "... the two on the camera face" "$(metric 'lenscap_heads_late_total{face="camera"}')" 2
is "... the one on the admin face" "$(metric 'lenscap_heads_late_total{face="admin"}')" 1

# cam_raw NAME: standard input to the camera face as cam-1, over TLS;
# what comes back lands in $T/NAME.out, and the ms since $t0 it lived
# in $T/NAME.
cam_raw() {
	gnutls-cli --x509cafile "$T/pki/ca.crt" --x509certfile "$T/pki/cam-1.crt" \
		--x509keyfile "$T/pki/cam-1.key" -p "$C" 127.0.0.1 >"$T/$1.out" 2>&1
	echo $(( $(ms) - t0 )) > "$T/$1"
}

# A camera whose head is prompt and whose snapshot body then trickles,
# a byte every 200 ms: cut once the body is HEAD_MS late.  It stops after
# twice that, so without the cut it lives 2 x HEAD_MS.
t0=$(ms)
head=$'PUT /v1/cameras/cam-1/snapshot HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n'
{ printf '%s' "$head"
  for ((i = 0; i < HEAD_MS * 2 / 200; i++)); do printf 'x' 2>/dev/null || break; sleep 0.2; done; } |
	cam_raw slow-body
lived=$(cat "$T/slow-body")
echo "# slow body lived $lived ms (deadline $HEAD_MS ms after the head)"
ok "a snapshot body trickled: closed within the deadline (+1 s)" \
	test "$lived" -ge $((HEAD_MS - 300)) -a "$lived" -le $((HEAD_MS + 1000))
ok "its head had been taken (TLS done, no answer sent)" \
	sh -c "grep -q 'Handshake was completed' '$T/slow-body.out' && ! grep -q '^HTTP/' '$T/slow-body.out'"
ok "lenscapd says why it closed it" grep -q 'camera: request body not complete within' "$T/lenscapd.stderr"
is "lenscap_bodies_late_total: the slow body on the camera face" \
	"$(metric 'lenscap_bodies_late_total{face="camera"}')" 1
is "... it is not a late head" "$(metric 'lenscap_heads_late_total{face="camera"}')" 2

# A pushed MJPEG stream whose first frame comes whole 1.5 s after the
# head and whose next one (a well-formed part) then trickles, a byte
# every 200 ms: cut once that frame is HEAD_MS later than the first, so
# 1.5 s + HEAD_MS after the start.  Without the cut it lives 1.5 s + 2 x
# HEAD_MS; with a deadline from the head alone, HEAD_MS.
sealed=$(metric lenscap_frames_sealed_total)
part1=$(mktemp -p "$T"); { printf -- '--b\r\nContent-Type: image/jpeg\r\nContent-Length: %s\r\n\r\n' \
	"$(stat -c %s "$T/frames/cam-1.jpg")"; cat "$T/frames/cam-1.jpg"; printf '\r\n'; } > "$part1"
t0=$(ms)
{ printf 'PUT /v1/cameras/cam-1/live HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\nContent-Length: 10000000\r\n\r\n'
  sleep 1.5; cat "$part1"
  for ((i = 0; i < HEAD_MS * 2 / 200; i++)); do
	head -c $((i + 1)) "$part1" | tail -c 1 2>/dev/null || break; sleep 0.2; done; } |
	cam_raw slow-part
lived=$(cat "$T/slow-part")
echo "# slow stream lived $lived ms (deadline $HEAD_MS ms after its first frame, at 1500 ms)"
ok "a pushed stream's next frame trickled: closed within the deadline (+1 s)" \
	test "$lived" -ge $((1500 + HEAD_MS - 300)) -a "$lived" -le $((1500 + HEAD_MS + 1000))
is "its first frame was sealed" "$(metric lenscap_frames_sealed_total)" $((sealed + 1))
ok "lenscapd says why it closed it" grep -q 'camera: pushed stream: no whole frame within' "$T/lenscapd.stderr"
is "lenscap_bodies_late_total counts it" "$(metric 'lenscap_bodies_late_total{face="camera"}')" 2

# --- huge and many headers -----------------------------------------------------------
big=$(head -c 40000 /dev/zero | tr '\0' a); mid=$(head -c 12000 /dev/zero | tr '\0' a)
many=(); for i in $(seq 1500); do many+=(-H "X-Header-$i: v"); done
is "a 12 KB header on the assistant face: served" "$(ast token-of-account-1 "$(snap cam-1)" -H "X-Mid: $mid")" 200
is "a 12 KB header on the camera face: stored" \
	"$(cam cam-1 PUT "$(snap cam-1)" -H "X-Mid: $mid" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 201
# libmicrohttpd answers 431 (414) and closes while curl may still be
# sending the head, so curl sees the answer or a reset; its log line
# says which answer went out either way.
refused_head() { # DESCRIPTION CODES CURL-COMMAND...
	local what=$1 codes=$2 before code; shift 2
	before=$(grep -cE "HTTP response code is ($codes)" "$T/lenscapd.stderr")
	code=$("$@")
	ok "$what: $codes or a reset (got $code), and $codes in the log" \
		test "$(echo "$code" | grep -cxE "$codes|000")" = 1 \
		-a "$(grep -cE "HTTP response code is ($codes)" "$T/lenscapd.stderr")" -gt "$before"
}
refused_head "a 40 KB header on the assistant face" 431 ast token-of-account-1 "$(snap cam-1)" -H "X-Big: $big"
refused_head "1500 headers on the assistant face" 431 ast token-of-account-1 "$(snap cam-1)" "${many[@]}"
refused_head "a 40 KB header on the camera face" 431 \
	cam cam-1 PUT "$(snap cam-1)" -H "X-Big: $big" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg"
refused_head "1500 headers on the camera face" 431 \
	cam cam-1 PUT "$(snap cam-1)" "${many[@]}" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg"
refused_head "a 40 KB URL" "414|431" ast token-of-account-1 "/v1/cameras/$big/snapshot"
ok "still healthy after the big heads" healthy

# --- more connections than the limits (8 in all, 4 per address) ----------------------
# hold ADDRESS N: N raw connections from ADDRESS that send nothing.
hold() {
	for _ in $(seq "$2"); do
		sleep 30 | curl -s --interface "$1" "telnet://127.0.0.1:$A" >/dev/null 2>&1 &
		PIDS="$PIDS $!"; HELD="$HELD $!"
	done
}
established() { ss -Htn state established "dport = :$A" | wc -l; }
HELD=""
hold 127.0.0.1 4
for _ in $(seq 50); do [ "$(established)" -ge 4 ] && break; sleep 0.05; done
code=$(ast token-of-account-1 "$(snap cam-1)" -D "$T/hdr-ip")
is "a fifth connection from one address: 503" "$code" 503
ok "a problem body that says why" grep -q '"title":"too many connections"' "$(last_body)"
ok "with Connection: close and Retry-After" sh -c "grep -qi '^connection: close' '$T/hdr-ip' && grep -qi '^retry-after:' '$T/hdr-ip'"
is "another address is still served" "$(ast token-of-account-1 "$(snap cam-1)" --interface 127.0.0.2)" 200
hold 127.0.0.3 4
for _ in $(seq 50); do [ "$(established)" -ge 8 ] && break; sleep 0.05; done
t0=$(ms)
is "a ninth connection (from a third address): 503" \
	"$(ast token-of-account-1 "$(snap cam-1)" --interface 127.0.0.4)" 503
echo "# the 503 took $(( $(ms) - t0 )) ms"
is "the eight held connections were still open then" "$(established)" 8
is "lenscap_connections_refused_total counts both 503s" \
	"$(metric 'lenscap_connections_refused_total{face="assistant"}')" 2
for p in $HELD; do kill "$p" 2>/dev/null; done
pkill_done=0
for _ in $(seq 50); do [ "$(established)" -eq 0 ] && pkill_done=1 && break; sleep 0.1; done
is "once they are gone, clients are served again" "$(ast token-of-account-1 "$(snap cam-1)")" 200

# --- bad TLS -------------------------------------------------------------------------
fails=$(audits '"event":"auth_failure".*"face":"camera"')
is "camera face, no client certificate: 401" "$(cam "" PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 401
is "camera face, an expired certificate (pinned by the policy): 401" \
	"$(cam cam-6 PUT "$(snap cam-6)" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 401
is "camera face, a certificate from another CA: 401" \
	"$(cam rogue PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 401
is "the three are audited as auth failures" "$(audits '"event":"auth_failure".*"face":"camera"')" $((fails + 3))
ok "the expired certificate is really expired" sh -c "certtool -i --infile '$T/pki/cam-6.crt' | grep -q 'Not After: .* 2020'"
for f in assistant camera; do
	p=$(port_of "$f")
	code=$(curl -s -m 5 -o "$(body)" -w '%{http_code}' "http://127.0.0.1:$p$(snap cam-1)"); rc=$?
	ok "plain HTTP to the $f face's TLS port: no HTTP answer, closed at once (curl $rc)" \
		test "$code" = 000 -a "$rc" -ne 28
	for v in 1.0 1.1; do
		gnutls-cli --x509cafile "$T/pki/ca.crt" --priority "NORMAL:-VERS-ALL:+VERS-TLS$v" \
			-p "$p" 127.0.0.1 </dev/null >"$T/tls$v.out" 2>&1
		ok "TLS $v only to the $f face: refused" sh -c "! grep -q 'Handshake was completed' '$T/tls$v.out'"
		ok "... by the server, not by the client (a handshake was attempted)" \
			grep -qiE 'handshake has failed|protocol version|non-properly terminated|received corrupted|unexpected TLS packet' "$T/tls$v.out"
	done
	gnutls-cli --x509cafile "$T/pki/ca.crt" --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' \
		-p "$p" 127.0.0.1 </dev/null >"$T/tls1.2.out" 2>&1
	ok "TLS 1.2 to the $f face: accepted (the refusals above are real)" grep -q 'Handshake was completed' "$T/tls1.2.out"
done
ok "still healthy after bad TLS" healthy

# --- bad and missing tokens ------------------------------------------------------------
fails=$(audits '"event":"auth_failure".*"face":"assistant"')
is "assistant, no token: 401" "$(ast "" "$(snap cam-1)")" 401
is "assistant, an unknown token: 401" "$(ast wrong-token-xyz "$(snap cam-1)")" 401
is "assistant, a valid token with a suffix: 401" "$(ast token-of-account-1x "$(snap cam-1)")" 401
is "assistant, a token's prefix: 401" "$(ast token-of-account- "$(snap cam-1)")" 401
is "assistant, an empty Bearer: 401" "$(ast "" "$(snap cam-1)" -H 'Authorization: Bearer ')" 401
is "assistant, Basic instead of Bearer: 401" "$(ast "" "$(snap cam-1)" -H 'Authorization: Basic dG9rZW4tb2YtYWNjb3VudC0x')" 401
is "assistant, an 8 KB token: 401" "$(ast "$(head -c 8192 /dev/zero | tr '\0' t)" "$(snap cam-1)")" 401
is "the seven are audited" "$(audits '"event":"auth_failure".*"face":"assistant"')" $((fails + 7))
fails=$(audits '"event":"auth_failure".*"face":"camera"')
is "camera, an unknown device token: 401" \
	"$(cam "" PUT "$(snap cam-1)" -H 'Authorization: Bearer wrong-token-xyz' -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 401
is "camera, a session token (not a device's): 401" \
	"$(cam "" PUT "$(snap cam-1)" -H 'Authorization: Bearer token-of-account-1' -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 401
is "both audited" "$(audits '"event":"auth_failure".*"face":"camera"')" $((fails + 2))
ok "no token in the audit trail" sh -c "! grep -qE 'wrong-token|token-of-account|tttttttt' '$T/audit.log'"

# --- device ids that try to leave their segment ------------------------------------------
long=$(head -c 300 /dev/zero | tr '\0' a)
BAD_IDS=(
	'../cam-3' 'cam-1/../../cam-3' '%2e%2e/cam-3' '%2E%2E%2Fcam-3' '..%2fcam-3'
	'cam-1%2F..%2Fcam-3' 'cam-1%2F..%2F..%2Fcam-3' 'cam-1%252F..%252Fcam-3'
	'cam-1%5C..%5Ccam-3' 'cam-1%00' 'cam-1%00cam-3' '%00' 'cam-3%00cam-1' '.cam-1'
	'cam-1%20' '%ff%fe' 'cam-1%' 'cam-1%2' "$long" "cam-1$(head -c 60 /dev/zero | tr '\0' x)"
)
before=$(wc -l < "$T/nginx/access.log")
for id in "${BAD_IDS[@]}"; do
	code=$(ast token-of-account-1 "$(snap "$id")")
	ok "assistant, device '${id:0:40}': 4xx problem (got $code)" \
		sh -c "case $code in 40[0-9]|41[0-9]) grep -q '\"status\":$code' '$(last_body)' || [ $code = 400 ] ;; *) false ;; esac"
	code=$(cam cam-1 PUT "$(snap "$id")" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")
	ok "camera, device '${id:0:40}': 4xx (got $code)" sh -c "case $code in 40[0-9]|41[0-9]) true ;; *) false ;; esac"
done
is "none of them reached the backend" "$(tail -n +$((before + 1)) "$T/nginx/access.log" | wc -l)" 0
is "camera, cam-1 for cam-2: 403" "$(cam cam-1 PUT "$(snap cam-2)" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 403
is "the backend saw only cam-1's frame fetched" \
	"$(tail -n +$((before + 1)) "$T/nginx/access.log" | grep -vc '"GET /frames/cam-1/latest.lcf HTTP')" 0

# --- percent-encoded paths ---------------------------------------------------------------
# A path is matched as sent (lenscap.policy(5)): a percent-encoding,
# even of a byte a route would take, matches no route, in any segment,
# on either face, and gets what any unmatched path gets.  A front that
# authorises by the raw path sees what lenscapd sees.
ENCODED=(
	/v1/cameras/cam%2D1/snapshot /v1/cameras/%63am-1/snapshot /v1/cameras/cam-%31/snapshot
	/v1/cameras/cam%2d1/snapshot /v1/cameras/%63%61%6d%2d%31/snapshot
	/v1/cameras/cam-1/snapsho%74 /%761/cameras/cam-1/snapshot /v1/c%61meras/cam-1/snapshot
)
before=$(wc -l < "$T/nginx/access.log")
ast token-of-account-1 /v1/cameras/cam-1/nowhere >/dev/null
cp "$(last_body)" "$T/unmatched-assistant"
cam cam-1 PUT /v1/cameras/cam-1/nowhere -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg" >/dev/null
cp "$(last_body)" "$T/unmatched-camera"
ok "an unmatched path's answer is a 404 problem" grep -q '"status":404' "$T/unmatched-assistant"
for p in "${ENCODED[@]}"; do
	is "assistant, $p: 404" "$(ast token-of-account-1 "$p")" 404
	ok "... the answer of any unmatched path" cmp -s "$(last_body)" "$T/unmatched-assistant"
	is "camera, PUT $p: 404" \
		"$(cam cam-1 PUT "$p" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 404
	ok "... the answer of any unmatched path" cmp -s "$(last_body)" "$T/unmatched-camera"
done
is "none of them reached the backend (nothing stored, nothing fetched)" \
	"$(tail -n +$((before + 1)) "$T/nginx/access.log" | wc -l)" 0
is "assistant, the path as such: 200" "$(ast token-of-account-1 "$(snap cam-1)")" 200
ok "with cam-1's frame" cmp -s "$(last_body)" "$T/frames/cam-1.jpg"
is "... and with a percent-encoded query string (not a path): 200" \
	"$(ast token-of-account-1 "$(snap cam-1)?x=%2D%41")" 200
is "camera, the path as such: 201" \
	"$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 201

# --- request framing -------------------------------------------------------------------------
# A request whose head a front in between could frame otherwise than
# lenscapd (RFC 9112 6.1, 6.3; RFC 9110 8.6) is answered 400 and its
# connection closed, on both faces, so that what follows its head is
# never read as a request: a request smuggled in its body is never
# answered.  The assistant face takes no body at all.
# raw FACE NAME: the request on standard input to FACE over TLS (as
# cam-1 on the camera face), the connection held open from this side;
# what came back lands in $T/NAME.out.  Prints the statuses answered,
# then "closed" if lenscapd closed the connection within 2 s, or "open".
raw() {
	local port=$A cert=() pid state=open
	if [ "$1" = camera ]; then
		port=$C cert=(--x509certfile "$T/pki/cam-1.crt" --x509keyfile "$T/pki/cam-1.key")
	fi
	rm -f "$T/fifo"; mkfifo "$T/fifo" || return
	gnutls-cli --x509cafile "$T/pki/ca.crt" "${cert[@]}" -p "$port" 127.0.0.1 \
		<"$T/fifo" >"$T/$2.out" 2>&1 &
	pid=$!
	exec 8>"$T/fifo"
	cat >&8
	for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || { state=closed; break; }; sleep 0.1; done
	exec 8>&- # gnutls-cli ends once its input does
	wait "$pid"
	echo $(grep -a '^HTTP/1\.[01] ' "$T/$2.out" | cut -d' ' -f2 | sort -u) "$state"
}
# The request smuggled in each body: answered 200 on the assistant face
# and 404 on the camera face, if it is ever read.
SMUGGLED_assistant=$'GET /v1/cameras/cam-1/snapshot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer token-of-account-1\r\n\r\n'
SMUGGLED_camera=$'GET /v1/cameras/cam-1/snapshot HTTP/1.1\r\nHost: x\r\n\r\n'
HEAD_assistant=$'GET /v1/cameras/cam-1/snapshot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer token-of-account-1\r\n'
HEAD_camera=$'PUT /v1/cameras/cam-1/snapshot HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n'
# request FACE FRAMING: the head of a request on FACE with the framing
# "HEADERS|BODY[|mhd]" (\r\n escapes; @2@ is the smuggled request, @N@
# the body's length).
request() {
	local s="SMUGGLED_$1" h="HEAD_$1" hdrs b=${2#*|}
	b=$(printf '%b' "${b%|mhd}"); b=${b//@2@/${!s}}
	hdrs=${2%%|*}; hdrs=$(printf '%b' "${hdrs//@N@/${#b}}")
	printf '%s%s\r\n\r\n%s' "${!h}" "$hdrs" "$b"
}
FRAMING_BOTH=(
	'Transfer-Encoding: chunked\r\nContent-Length: @N@|0\r\n\r\n@2@'
	'Content-Length: @N@\r\nTransfer-Encoding: chunked|0\r\n\r\n@2@'
	'Content-Length: 0\r\nContent-Length: @N@|@2@'
	'Content-Length: @N@\r\nContent-Length: @N@|@2@'
	'Content-Length : @N@|@2@'
	'Content-Length\t: @N@|@2@'
	'Transfer-Encoding : chunked|0\r\n\r\n@2@'
	'Transfer-Encoding: gzip, chunked|0\r\n\r\n@2@'
	'Transfer-Encoding: identity|@2@'
	'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked|0\r\n\r\n@2@'
	'Transfer-Encoding: chunked, chunked|0\r\n\r\n@2@'
	# Content-Length values that libmicrohttpd cannot parse: it answers
	# 400 and closes itself, before lenscapd sees the request.
	'Content-Length: @N@, @N@|@2@|mhd'
	'Content-Length: +@N@|@2@|mhd'
	'Content-Length: -1|@2@|mhd'
	'Content-Length: 1e2|@2@|mhd'
)
FRAMING_assistant=(
	'Content-Length: @N@|@2@'
	'Content-Length: 0|@2@'
	'Transfer-Encoding: chunked|0\r\n\r\n@2@'
)
FRAMING_camera=() # it takes bodies: nothing more
# Controls: a well-framed request and one pipelined after it are both
# answered, on a connection left open: the probe sees smuggling.
is "control, assistant: a request and one pipelined after it: both answered, kept open" \
	"$(printf '%s\r\n%s' "$HEAD_assistant" "$SMUGGLED_assistant" | raw assistant control-a)" "200 open"
is "control, camera: a still and a request pipelined after it: both answered, kept open" \
	"$({ printf '%sContent-Length: %s\r\n\r\n' "$HEAD_camera" "$(stat -c %s "$T/frames/cam-1.jpg")"
	    cat "$T/frames/cam-1.jpg"; printf '%s' "$SMUGGLED_camera"; } | raw camera control-c)" "201 404 open"
before=$(wc -l < "$T/nginx/access.log")
denied=$(audits '"event":"deny"')
ours=0
for face in assistant camera; do
	list="FRAMING_$face[@]"
	for f in "${FRAMING_BOTH[@]}" "${!list}"; do
		what=$(printf '%s' "${f%%|*}" | sed 's/@N@/N/g; s/\\r\\n/; /g')
		is "$face, $what: 400, the smuggled request unanswered, connection closed" \
			"$(request "$face" "$f" | raw "$face" framing)" "400 closed"
		case $f in
		*'|mhd') continue ;;
		esac
		ours=$((ours + 1))
		# libmicrohttpd closes after any answer to a request's first
		# call; the header tells a front in between so.
		ok "... lenscapd's problem answer, with Connection: close" sh -c \
			"grep -q '\"title\":\"malformed request framing\"' '$T/framing.out' &&
			 grep -qi '^connection: close' '$T/framing.out'"
	done
done
# The admin listener (plain HTTP) takes no bodies either.
# admin_raw REQUEST: like raw, on the admin listener.
admin_raw() {
	local state=closed
	exec 9<>"/dev/tcp/127.0.0.1/$M" || { echo error; return; }
	printf '%s' "$1" >&9
	timeout 2 cat <&9 >"$T/admin-raw.out"
	[ $? -eq 124 ] && state=open
	exec 9<&-
	echo $(grep -a '^HTTP/1\.[01] ' "$T/admin-raw.out" | cut -d' ' -f2 | sort -u) "$state"
}
SMUGGLED_admin=$'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
is "control, admin: a request and one pipelined after it: both answered, kept open" \
	"$(admin_raw "$SMUGGLED_admin$SMUGGLED_admin")" "200 open"
is "admin, a Content-Length: 400, the smuggled request unanswered, connection closed" \
	"$(admin_raw "GET /healthz HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Content-Length: ${#SMUGGLED_admin}"$'\r\n\r\n'"$SMUGGLED_admin")" "400 closed"
ours=$((ours + 1))
is "admin, two Content-Lengths: 400, the smuggled request unanswered, connection closed" \
	"$(admin_raw "GET /healthz HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Content-Length: 0"$'\r\n'"Content-Length: ${#SMUGGLED_admin}"$'\r\n\r\n'"$SMUGGLED_admin")" "400 closed"
ours=$((ours + 1))
is "each of lenscapd's refusals audited as a deny" "$(audits '"event":"deny"')" $((denied + ours))
ok "... naming the fault" sh -c "grep -q '\"detail\":\"both Content-Length and Transfer-Encoding\"' '$T/audit.log' && grep -q '\"detail\":\"a request body where none is taken\"' '$T/audit.log' && grep -q '\"detail\":\"white space in or empty header name\"' '$T/audit.log'"
ok "lenscapd logs each" grep -q 'request framing refused (more than one Content-Length): 400, connection closed' "$T/lenscapd.stderr"
is "none reached the backend" "$(tail -n +$((before + 1)) "$T/nginx/access.log" | wc -l)" 0
is "a well-framed still is still stored (201)" \
	"$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg")" 201
is "... and a chunked one (201)" \
	"$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' -H 'Transfer-Encoding: chunked' --data-binary @"$T/frames/cam-1.jpg")" 201
is "... and fetched (200)" "$(ast token-of-account-1 "$(snap cam-1)")" 200

# --- oversized and malformed uploads ---------------------------------------------------------
head -c 1100000 /dev/urandom > "$T/big"     # max_frame_bytes is 1048576
head -c 3000000 /dev/urandom > "$T/huge"
denied=$(audits '"event":"deny".*"detail":"frame too large"')
before=$(wc -l < "$T/nginx/access.log")
is "a frame over max_frame_bytes (Expect: 100-continue): 413" \
	"$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' --data-binary @"$T/big")" 413
# Without Expect, curl is still sending the 3 MB body when the 413 and
# the close come: the close may reset the connection before curl reads
# the answer (seen under distcheck's load).  The audit count below shows
# lenscapd refused it either way, and the access log that nothing passed.
code=$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' -H 'Expect:' --data-binary @"$T/huge")
ok "the same without Expect: 413 or the connection closed (got $code)" test "$code" = 413 -o "$code" = 000
is "chunked, a little over: 413" \
	"$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big")" 413
code=$(cam cam-1 PUT "$(snap cam-1)" -H 'Content-Type: image/jpeg' -H 'Transfer-Encoding: chunked' --data-binary @"$T/huge")
ok "chunked, far over: 413 or the connection closed (got $code)" test "$code" = 413 -o "$code" = 000 -o "$code" = 100
is "each audited" "$(audits '"event":"deny".*"detail":"frame too large"')" $((denied + 4))
is "none reached the backend" "$(tail -n +$((before + 1)) "$T/nginx/access.log" | wc -l)" 0

mjpeg() { # CONTENT_TYPE -> status of a push of $T/push
	cam cam-1 PUT /v1/cameras/cam-1/live -T "$T/push" -H "Content-Type: $1"
}
MP='multipart/x-mixed-replace; boundary=cam'
drops=$(audits '"event":"drop".*"face":"camera"')
cp "$T/frames/cam-1.jpg" "$T/push"
is "MJPEG push that is one bare JPEG: 400" "$(mjpeg "$MP")" 400
{ printf -- '--other\r\nContent-Type: image/jpeg\r\n\r\n'; cat "$T/frames/cam-1.jpg"; printf '\r\n--other--\r\n'; } > "$T/push"
is "MJPEG push with a wrong boundary: 400" "$(mjpeg "$MP")" 400
printf -- '--other\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n--other--\r\n' > "$T/push"
is "a short one with a wrong boundary: 400" "$(mjpeg "$MP")" 400
{ printf -- '--cam\r\nContent-Type: image/jpeg\r\nX-Pad: %s\r\n\r\n' "$big"; cat "$T/frames/cam-1.jpg"; printf '\r\n--cam--\r\n'; } > "$T/push"
is "MJPEG push with a 40 KB part header: 400" "$(mjpeg "$MP")" 400
{ printf -- '--cam\r\nContent-Type: image/jpeg\r\nContent-Length: 5\r\n\r\n'; cat "$T/frames/cam-1.jpg"; printf '\r\n--cam--\r\n'; } > "$T/push"
is "MJPEG push whose part length lies: 400" "$(mjpeg "$MP")" 400
is "the five are audited as drops" "$(audits '"event":"drop".*"face":"camera"')" $((drops + 5))
ok "naming the fault" sh -c "grep -q '\"detail\":\"no_boundary\"' '$T/audit.log' && grep -q '\"detail\":\"headers_too_large\"' '$T/audit.log' && grep -q '\"detail\":\"length_mismatch\"' '$T/audit.log'"
denied=$(audits '"event":"deny".*"detail":"multipart stream expected"')
is "MJPEG push that is not multipart at all: 415" "$(mjpeg image/jpeg)" 415
is "audited" "$(audits '"event":"deny".*"detail":"multipart stream expected"')" $((denied + 1))
{ printf -- '--cam\r\nContent-Type: image/jpeg\r\n\r\n'; cat "$T/frames/cam-1.jpg"; printf '\r\n--cam--\r\n'; } > "$T/push"
is "a proper MJPEG push still works (201)" "$(mjpeg "$MP")" 201

# --- nothing leaked, still alive -----------------------------------------------------------
leaks=0
for f in "$T"/bodies/*; do
	cmp -s "$f" "$T/frames/cam-1.jpg" && continue # the 200s
	grep -aq 'lenscap-truth' "$f" && leaks=$((leaks + 1))
done
is "no error body carries image bytes" "$leaks" 0
ok "no image byte in the audit trail" sh -c "! grep -aq 'lenscap-truth' '$T/audit.log'"
# TLS: the faces choose AES-GCM, whatever order the client offers
# (ChaCha20 costs several times as much in GnuTLS on AES-NI machines).
cipher() { # FACE-PORT: the cipher of a client that prefers ChaCha20
	echo | gnutls-cli --x509cafile "$T/pki/ca.crt" -p "$1" 127.0.0.1 \
		--priority "NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM" 2>&1 |
		sed -n 's/^- Description: .*-(\([A-Z0-9-]*\))$/\1/p'
}
is "assistant face: AES-GCM over the client's ChaCha20" "$(cipher "$A")" AES-256-GCM
is "camera face: the same" "$(cipher "$C")" AES-256-GCM
ok "healthz" healthy
ok "the lenscapd process is alive" kill -0 "$LENSCAPD_PID"
ok "no sanitizer report" sh -c "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$T/lenscapd.stderr'"
kill -TERM "$LENSCAPD_PID"
wait "$LENSCAPD_PID"
is "SIGTERM: exit 0" "$?" 0
ok "no sanitizer report at exit" sh -c "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$T/lenscapd.stderr'"
done_testing
