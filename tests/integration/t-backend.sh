#!/bin/bash
# The backend client's TLS: the vendor's front demands a client
# certificate, lenscapd presents the policy's; the backend's key can be
# pinned, and a wrong pin fails closed.  A pass_sealed route hands the
# verified sealed frame on as it is, for clients that check it themselves.
# A reload gives the backend its new settings and re-reads the ingest key,
# without a restart.
. "$top_srcdir/tests/integration/lib.sh"
# pass_sealed routes: their clients verify with the ingest key's public half.
LENSCAP_SEAL=ed25519
setup_pki
make_cert "$T/pki" ca lenscapd-client client || bail "client cert"
setup_nginx "" "" "ssl_client_certificate $T/pki/ca.crt; ssl_verify_client on;"
pin=$(certtool --certificate-info --infile "$T/pki/backend.crt" 2>/dev/null |
	grep -o 'pin-sha256:[A-Za-z0-9+/=]*' | head -n 1 | cut -d: -f2)
[ -n "$pin" ] || bail "no pin from certtool"
# The backend keys: the client certificate with the right pin, or a wrong one.
good=', "client_cert": "pki/lenscapd-client.crt", "client_key": "pki/lenscapd-client.key",
	"pin": "sha256//'"$pin"'"'
wrong_pin=${good%sha256//*}'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'
POLICY_ROUTES=', { "face": "assistant", "method": "GET", "path": "/v1/sealed/{device}",
      "backend": "/frames/{device}/latest.lcf", "media": "snapshot",
      "freshness_ms": 600000, "content_types": ["image/jpeg"], "pass_sealed": true }'

# run_with BACKEND_KEYS: (re)starts lenscapd with those backend keys.
run_with() {
	[ -n "${LENSCAPD_PID:-}" ] && kill "$LENSCAPD_PID" && wait "$LENSCAPD_PID" 2>/dev/null
	POLICY_BACKEND=$1 write_policy '"cam-1", "cam-2"'
	start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
	A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)
}
push() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		--cert "$T/pki/cam-1.crt" --key "$T/pki/cam-1.key" -X PUT \
		-H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg" \
		"https://127.0.0.1:$C/v1/cameras/cam-1/snapshot"
}
get() { # PATH OUT
	curl -s -o "$2" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer token-of-account-1' "https://127.0.0.1:$A$1"
}
frame cam-1 > "$T/frames/cam-1.jpg"

run_with ''
is "no client certificate for the backend: the push fails (502)" "$(push)" 502
is "and so does a fetch" "$(get /v1/cameras/cam-1/snapshot "$T/got/x")" 502
ok "audited as a backend error, with the backend's answer" \
	grep -q '"event":"backend_error".*"detail":"backend answered 400"' "$T/audit.log"

run_with "$good"
is "with the client certificate and the right pin: stored (201)" "$(push)" 201
is "and fetched (200)" "$(get /v1/cameras/cam-1/snapshot "$T/got/plain")" 200
ok "the still as the camera sent it" cmp "$T/got/plain" "$T/frames/cam-1.jpg"
is "pass_sealed: 200" "$(get /v1/sealed/cam-1 "$T/got/sealed")" 200
ok "the sealed frame opens, for cam-1, with the ingest key" \
	"$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/got/sealed" -o "$T/got/opened"
ok "to the very same still" cmp "$T/got/opened" "$T/frames/cam-1.jpg"

run_with "$wrong_pin"
is "a wrong pin: the fetch fails closed (502)" "$(get /v1/cameras/cam-1/snapshot "$T/got/y")" 502
ok "with no image byte in the answer" sh -c "! grep -aq lenscap-truth '$T/got/y'"
ok "audited as a TLS failure" grep -q '"event":"backend_error".*"detail":"backend failed (tls)"' "$T/audit.log"
# An assistant-only policy: no camera face, so no ingest key.  lenscapd
# once aborted here (libsodium used before it was initialised).
cat > "$T/assistant-only.json" <<EOT
{ "listeners": { "assistant": { "listen": "127.0.0.1:0",
                   "tls": { "cert": "pki/server.crt", "key": "pki/server.key" } },
                 "admin": { "listen": "127.0.0.1:0", "plain": true } },
  "backend": { "url": "https://127.0.0.1:$FRONT", "ca": "pki/ca.crt",
               "client_cert": "pki/lenscapd-client.crt", "client_key": "pki/lenscapd-client.key" },
  "keys": [ { "public_file": "pki/ingest.pub", "devices": ["*"] } ],
  "devices": { "cam-1": { "auth": { "token_sha256": "$(token_digest cam-1-token)" } } },
  "accounts": { "acct-1": { "devices": ["cam-1"] } },
  "sessions": { "static": [ { "token_sha256": "$(token_digest token-of-account-1)", "account": "acct-1" } ] },
  "routes": [ { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/snapshot",
                "backend": "/frames/{device}/latest.lcf", "media": "snapshot",
                "freshness_ms": 600000, "content_types": ["image/jpeg"] } ] }
EOT
kill "$LENSCAPD_PID"; wait "$LENSCAPD_PID" 2>/dev/null
# libcurl's proxy variables are ignored (lenscapd(8)): with every one of
# them naming a closed port, the backend is still reached directly.
dead="http://127.0.0.1:$(free_port)"
unset NO_PROXY no_proxy
http_proxy=$dead https_proxy=$dead HTTPS_PROXY=$dead ALL_PROXY=$dead all_proxy=$dead \
	start_lenscapd "$T/assistant-only.json"
ok "an assistant-only policy without an ingest key starts" kill -0 "$LENSCAPD_PID"
A=$(port_of assistant)
is "and serves the still pushed earlier, past the proxy variables" \
	"$(get /v1/cameras/cam-1/snapshot "$T/got/z")" 200

# --- SIGHUP: the backend's settings, without a restart -------------------------
run_with ''
is "started without a client certificate: 502" "$(get /v1/cameras/cam-1/snapshot "$T/got/y")" 502
POLICY_BACKEND=$good write_policy '"cam-1", "cam-2"'
is "a reload that adds the client certificate and pin is taken" "$(hup)" "policy in force"
is "and the backend answers at once (200)" "$(get /v1/cameras/cam-1/snapshot "$T/got/y")" 200
POLICY_BACKEND=$wrong_pin write_policy '"cam-1", "cam-2"'
is "a reload to a wrong pin is taken" "$(hup)" "policy in force"
is "and no connection made under the right pin is reused: 502" \
	"$(get /v1/cameras/cam-1/snapshot "$T/got/y")" 502
POLICY_BACKEND=$good write_policy '"cam-1", "cam-2"'
is "back to the right pin" "$(hup)" "policy in force"
is "200 again" "$(get /v1/cameras/cam-1/snapshot "$T/got/y")" 200

# --- SIGHUP: the ingest key is read again, even at the same path -------------
"$L" keygen -o "$T/pki/ingest2" >/dev/null || bail keygen
cp "$T/pki/ingest2.sec" "$T/pki/ingest.sec" || bail "cp"
POLICY_BACKEND=$good POLICY_KEYS=', { "public_file": "pki/ingest2.pub", "devices": ["*"] }' \
	write_policy '"cam-1", "cam-2"'
is "a reload with a new ingest key in the old file is taken" "$(hup)" "policy in force"
is "a still pushed after it is stored" "$(push)" 201
is "and fetched sealed" "$(get /v1/sealed/cam-1 "$T/got/sealed2")" 200
ok "sealed with the new key" "$L" open -k "$T/pki/ingest2.pub" -d cam-1 -i "$T/got/sealed2" -o /dev/null
ok "not with the old one" sh -c "! '$L' open -k '$T/pki/ingest.pub' -d cam-1 -i '$T/got/sealed2' -o /dev/null 2>/dev/null"
echo "not a key" > "$T/pki/ingest.sec"
is "an unusable ingest key: the reload is refused" "$(hup)" "refused: ingest key unusable"
is "and the key in force still seals" "$(push)" 201
is "(fetched)" "$(get /v1/sealed/cam-1 "$T/got/sealed3")" 200
ok "with the new key, which stayed" "$L" open -k "$T/pki/ingest2.pub" -d cam-1 -i "$T/got/sealed3" -o /dev/null
ok "the refusals are logged" grep -q "reload of .* refused: ingest key unusable" "$T/lenscapd.stderr"
ok "lenscapd -t finds the unusable ingest key" sh -c "! '$LENSCAPD' -t -c '$T/policy.json' 2>'$T/t.err'"
ok "and says so" grep -q "ingest key .*pki/ingest.sec" "$T/t.err"

# --- the policy's keys must trust the ingest key for every device ------------
# The frames lenscapd seals with a key its keys do not trust would all be
# dropped by its own gate: -t, a start and a reload refuse such a policy.
cp "$T/pki/ingest2.sec" "$T/pki/ingest.sec" || bail "cp"
POLICY_BACKEND=$good POLICY_KEYS=', { "public_file": "pki/ingest2.pub", "devices": ["cam-1"] }' \
	write_policy '"cam-1", "cam-2"'
ok "lenscapd -t refuses keys that trust the ingest key for cam-1 alone" \
	sh -c "! '$LENSCAPD' -t -c '$T/policy.json' >'$T/t.out' 2>'$T/t.err'"
ok "it names the first device left out, and how many are" \
	grep -q "ingest key [0-9a-f]* is not trusted by the policy's keys for device cam-2 (5 devices in all)" "$T/t.err"
ok "and prints no OK" test ! -s "$T/t.out"
is "a reload to that policy is refused" "$(hup)" "refused: ingest key not trusted by the policy's keys"
is "and the key in force still seals" "$(push)" 201
is "(fetched)" "$(get /v1/sealed/cam-1 "$T/got/sealed4")" 200
ok "with the key in force" "$L" open -k "$T/pki/ingest2.pub" -d cam-1 -i "$T/got/sealed4" -o /dev/null
timeout 20 "$LENSCAPD" -f -c "$T/policy.json" 2>"$T/start.err"
is "a start with that policy fails (exit 1)" "$?" 1
ok "and says why" grep -q "is not trusted by the policy's keys for device cam-2" "$T/start.err"
POLICY_BACKEND=$good POLICY_TRUST='{ "public_file": "pki/ingest2.pub", "devices": ["*"] }' \
	write_policy '"cam-1", "cam-2"'
is "lenscapd -t accepts keys that trust it for every device" \
	"$("$LENSCAPD" -t -c "$T/policy.json" 2>&1)" "$T/policy.json: policy OK"
is "and a reload takes them" "$(hup)" "policy in force"
cp "$T/pki/server.crt" "$T/pki/server.crt.good" && echo "not a certificate" > "$T/pki/server.crt" ||
	bail "cp"
ok "lenscapd -t finds a listener's certificate unusable" \
	sh -c "! '$LENSCAPD' -t -c '$T/policy.json' 2>'$T/t.err'"
ok "and names the listener" grep -q "listener assistant: .*pki/server.crt" "$T/t.err"
mv "$T/pki/server.crt.good" "$T/pki/server.crt" || bail "mv"
is "lenscap_reloads_total counts the five taken" "$(metric lenscap_reloads_total)" 5
is "lenscap_reload_failures_total the two refused" "$(metric lenscap_reload_failures_total)" 2
done_testing
