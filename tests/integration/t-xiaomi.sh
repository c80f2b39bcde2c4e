#!/bin/bash
# The Xiaomi 2019 incident, for real: nginx stores the sealed frames
# (WebDAV PUT) and fronts them with a proxy_cache whose key ignores the
# device.  Six cameras of three accounts push through lenscapd's camera
# face with client certificates; each account's assistant fetches its
# cameras through the assistant face.  The backend serves foreign frames;
# lenscapd must deliver none of them, and audit every drop.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
XIAOMI_CACHE='proxy_cache stills; proxy_cache_key "latest-still"; proxy_cache_valid 200 1h;'
setup_nginx "$XIAOMI_CACHE" ""
write_policy '"cam-1", "cam-2"'
ok "lenscapd -t accepts the policy" "$LENSCAPD" -t -c "$T/policy.json"
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)

# --- cameras push one still each ------------------------------------------
put() { # CERT DEVICE FILE -> HTTP status
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		${1:+--cert "$T/pki/$1.crt" --key "$T/pki/$1.key"} \
		-X PUT -H 'Content-Type: image/jpeg' --data-binary @"$3" \
		"https://127.0.0.1:$C/v1/cameras/$2/snapshot"
}
pushed=0
for n in 1 2 3 4 5 6; do
	frame "cam-$n" > "$T/frames/cam-$n.jpg"
	[ "$(put "cam-$n" "cam-$n" "$T/frames/cam-$n.jpg")" = 201 ] && pushed=$((pushed + 1))
done
is "six cameras pushed a still each (201)" "$pushed" 6
sealed_ok=0
for n in 1 2 3 4 5 6; do
	"$L" open -k "$(ingest_opener)" -d "cam-$n" -i "$T/store/frames/cam-$n/latest.lcf" \
		-o "$T/opened" 2>/dev/null && cmp -s "$T/opened" "$T/frames/cam-$n.jpg" &&
		sealed_ok=$((sealed_ok + 1))
done
is "the store holds six frames sealed for their own device" "$sealed_ok" 6

# --- camera-face authentication -------------------------------------------
is "no client certificate: 401" "$(put "" cam-1 "$T/frames/cam-1.jpg")" 401
is "a certificate from another CA: 401" "$(put rogue cam-1 "$T/frames/cam-1.jpg")" 401
is "cam-2's certificate pushing for cam-1: 403" "$(put cam-2 cam-1 "$T/frames/cam-1.jpg")" 403
ok "the 403 is in the audit trail" grep -q '"event":"deny".*"device":"cam-1".*"envelope_device":"cam-2"' "$T/audit.log"

# --- assistants fetch through lenscapd --------------------------------------
get() { # TOKEN DEVICE OUT -> HTTP status
	curl -s -o "$3" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		${1:+-H "Authorization: Bearer $1"} \
		"https://127.0.0.1:$A/v1/cameras/$2/snapshot"
}
# own DEVICE BODY: whether BODY is the very frame DEVICE pushed, by its
# ground truth and byte for byte.
own() {
	[ "$(grep -ao 'lenscap-truth device=cam-[0-9]' "$2" | cut -d= -f2)" = "$1" ] &&
		cmp -s "$2" "$T/frames/$1.jpg"
}
delivered=0; dropped=0; leaked=0; other=0
for round in 1 2 3; do
	for a in 1 2 3; do
		for n in $(( 2 * a - 1 )) $(( 2 * a )); do
			code=$(get "token-of-account-$a" "cam-$n" "$T/got/body")
			tally "$code" "$T/got/body" own "cam-$n"
		done
	done
done
# The proof that the test bites: the backend itself serves foreign frames.
foreign=0
for n in 1 2 3 4 5 6; do
	backend_foreign "cam-$n" "/frames/cam-$n/latest.lcf" && foreign=$((foreign + 1))
done
echo "# delivered $delivered, dropped $dropped, backend foreign $foreign/6, leaked $leaked"
is "frames delivered to the wrong session" "$leaked" 0
ok "the backend serves foreign frames (the bug is live)" test "$foreign" -ge 5
ok "lenscapd dropped frames" test "$dropped" -ge 10
is "every answer was 200 or a 502 problem" "$other" 0
is "the right frames still got through" "$((delivered + dropped))" 18
is "every drop is audited as device_mismatch" \
	"$(grep -c '"event":"drop".*"reason":"device_mismatch"' "$T/audit.log")" "$dropped"
ok "no token or image byte in the audit trail" sh -c "! grep -aqE 'token-of-account|lenscap-truth' '$T/audit.log'"

# --- sessions ---------------------------------------------------------------
is "no token: 401" "$(get "" cam-1 "$T/got/x")" 401
is "unknown token: 401" "$(get wrong-token cam-1 "$T/got/x")" 401
is "another account's camera: 404, not 403" "$(get token-of-account-1 cam-3 "$T/got/x")" 404
is "a device that does not exist: 404" "$(get token-of-account-1 cam-9 "$T/got/x")" 404
is "path traversal: 404" "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is --cacert "$T/pki/ca.crt" \
	-H 'Authorization: Bearer token-of-account-1' "https://127.0.0.1:$A/v1/cameras/../cam-1/snapshot")" 404

# --- metrics and health -------------------------------------------------------
curl -s "http://127.0.0.1:$M/metrics" > "$T/metrics"
ok "metrics count the drops" grep -q "^lenscap_frames_dropped_total{reason=\"device_mismatch\"} $dropped\$" "$T/metrics"
ok "metrics count the relayed frames" grep -q "^lenscap_frames_relayed_total $delivered\$" "$T/metrics"
is "healthz" "$(curl -s "http://127.0.0.1:$M/healthz")" ok

# --- reload: revoke cam-1 from acct-1; a bad policy changes nothing ----------
write_policy '"cam-2"'
is "the reload is taken" "$(hup)" "policy in force"
is "after the reload cam-1 is gone for acct-1: 404" "$(get token-of-account-1 cam-1 "$T/got/x")" 404
echo '{ "listeners": ' > "$T/policy.json"
is "a bad policy is refused and audited" "$(hup)" "refused: the old policy stays in force"
is "the old policy stays in force" "$(get token-of-account-1 cam-1 "$T/got/x")" 404
ok "and the daemon is still serving" test "$(curl -s "http://127.0.0.1:$M/healthz")" = ok

# --- reload: new TLS material for new connections; bad material refused ----
subject() { curl -sv -o /dev/null --cacert "$T/pki/ca.crt" "https://127.0.0.1:$A/" 2>&1 |
	grep -o 'subject: CN=[a-z0-9-]*' | head -n 1; }
is "the assistant face presents its first certificate" "$(subject)" "subject: CN=server"
make_cert "$T/pki" ca server2 server || bail "server2 cert"
cp "$T/pki/server2.crt" "$T/pki/server.crt" && cp "$T/pki/server2.key" "$T/pki/server.key"
write_policy '"cam-2"'
is "SIGHUP with new TLS material is taken" "$(hup)" "policy in force"
is "after SIGHUP new connections get the new certificate" "$(subject)" "subject: CN=server2"
is "and are served by the gatekeeping face (another account's camera: 404)" \
	"$(get token-of-account-1 cam-3 "$T/got/x")" 404
echo "not a certificate" > "$T/pki/server.crt"
is "unusable TLS material is refused and audited" "$(hup)" "refused: TLS material unusable"
is "the certificate in use stays" "$(subject)" "subject: CN=server2"
is "the camera face still takes pushes" "$(put cam-3 cam-3 "$T/frames/cam-3.jpg")" 201

# --- SIGTERM -------------------------------------------------------------
kill -TERM "$LENSCAPD_PID"
wait "$LENSCAPD_PID"
is "SIGTERM: exit 0" "$?" 0
ok "the pid file is removed" test ! -e "$T/lenscapd.pid"
done_testing
