#!/bin/bash
# JWT access tokens (RFC 9068) as sessions on the assistant face: a token
# of the policy's issuer fetches its account's device (200) and not
# another account's (404, as a static session); expired, forged and
# wrong-audience tokens get 401 with their reason audited (a digest
# prefix, never the token); a SIGHUP that replaces the JWKS drops the old
# keys for the next request; a live MJPEG stream ends when its token
# expires.  Tokens and keys come from tests/unit/jwt-tokens.
. "$top_srcdir/tests/integration/lib.sh"
MINT="$top_builddir/tests/unit/jwt-tokens"
[ -x "$MINT" ] || bail "no $MINT"
setup_pki
setup_nginx "" "limit_rate 200k;"
FRAME_BYTES=4000
NOW=$(( $(date +%s) * 1000 ))
ISS=https://issuer.example
MINT_S=$(date +%s)
"$MINT" "$T" "$MINT_S" "$ISS" lenscapd-id || bail "minting"
cp "$T/jwks-a.json" "$T/jwks.json"
for c in 1 3; do
	mkdir -p "$T/store/frames/cam-$c"
	frame "cam-$c" > "$T/raw"
	"$L" seal -k "$T/pki/ingest.sec" -d "cam-$c" -K snapshot -t "$NOW" \
		-i "$T/raw" -o "$T/store/frames/cam-$c/latest.lcf" || bail seal
done
# cam-2: a long stream (about 8 s at the backend's pace).
{ for k in $(seq 1 400); do part ingest cam-2 "$k"; done; printf -- '--vendor-boundary--\r\n'; } \
	> "$(stream_file cam-2)"

POLICY_SESSIONS=", \"jwt\": { \"issuer\": \"$ISS\", \"audience\": \"lenscapd-id\",
	\"jwks\": \"jwks.json\", \"max_token_bytes\": 4096 }" \
	write_policy '"cam-1", "cam-2"' '"drops_in_a_row": 3'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)
get() { # TOKEN_FILE DEVICE: the status of a still fetched with the token in TOKEN_FILE
	curl -s -o "$T/got/body" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H "Authorization: Bearer $(cat "$T/$1")" \
		"https://127.0.0.1:$A/v1/cameras/$2/snapshot"
}
digest12() { sha256sum < "$T/$1" | cut -c1-12; }
failures() { metric lenscap_auth_failures_total; }

for t in ok-ed ok-es ok-rs; do
	is "$t: acct-1's still of cam-1 (200)" "$(get "$t" cam-1)" 200
done
ok "it is cam-1's frame" grep -aq 'lenscap-truth device=cam-1' "$T/got/body"
is "a JWT session is refused another account's device (404)" "$(get ok-ed cam-3)" 404
ok "audited as a deny of acct-1" grep -q '"event":"deny","request_id":"[^"]*","face":"assistant".*"account":"acct-1","device":"cam-3"' "$T/audit.log"
is "acct-2's token is refused cam-1 (404)" "$(get acct-2 cam-1)" 404
is "the static token still works beside it (200)" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer token-of-account-1' \
		"https://127.0.0.1:$A/v1/cameras/cam-1/snapshot")" 200

f0=$(failures)
for t in expired:"jwt: expired" forged:"jwt: bad signature" wrong-aud:"jwt: aud"; do
	name=${t%%:*}; why=${t#*:}
	is "$name: 401" "$(get "$name" cam-1)" 401
	ok "$name: answered \"session required\"" grep -q '"title":"session required"' "$T/got/body"
	ok "$name: audited as \"$why\" with the token's digest prefix" \
		grep -q "\"event\":\"auth_failure\".*\"session\":\"$(digest12 "$name")\".*\"detail\":\"$why\"" "$T/audit.log"
done
is "three failures counted" "$(failures)" $((f0 + 3))
ok "no token in the audit trail" sh -c "! grep -qF '$(cut -c1-40 "$T/forged")' '$T/audit.log'"
ok "nor in the diagnostic log" sh -c "! grep -qF '$(cut -c1-40 "$T/forged")' '$T/lenscapd.stderr'"
{ printf 'x%.0s' $(seq 2500); printf .; printf 'x%.0s' $(seq 2500); printf .x; } > "$T/huge"
is "a token over max_token_bytes: 401" "$(get huge cam-1)" 401
ok "audited as too large" grep -q '"detail":"jwt: too large"' "$T/audit.log"

# --- SIGHUP with another JWKS drops the old keys ------------------------------
is "ok-b's key is not trusted yet (401)" "$(get ok-b cam-1)" 401
cp "$T/jwks-b.json" "$T/jwks.json"
is "the reload with the new JWKS is taken" "$(hup)" "policy in force"
is "a token of the old key: 401 at the next request" "$(get ok-ed cam-1)" 401
ok "audited as an unknown kid" grep -q "\"session\":\"$(digest12 ok-ed)\".*\"detail\":\"jwt: unknown kid\"" "$T/audit.log"
is "a token of the new key: 200" "$(get ok-b cam-1)" 200
printf '{ "keys": [ ] }' > "$T/jwks.json"
is "the refused reload keeps the policy in force" "$(hup | cut -c1-8)" "refused:"
is "and the new key still works" "$(get ok-b cam-1)" 200

# --- a live stream ends when its token expires --------------------------------
# Fresh keys and tokens: "short" expires 4 s after this minting.
mkdir -p "$T/late"
MINT_S=$(date +%s)
"$MINT" "$T/late" "$MINT_S" "$ISS" lenscapd-id || bail "minting"
cp "$T/late/jwks-a.json" "$T/jwks.json"
is "a reload with fresh keys" "$(hup)" "policy in force"
short_exp=$((MINT_S + 4))
curl -s -N --cacert "$T/pki/ca.crt" -H "Authorization: Bearer $(cat "$T/late/short")" \
	-o "$T/got/live.mjpeg" "https://127.0.0.1:$A/v1/cameras/cam-2/live"
rc=$?
s1=$(date +%s)
n=$(grep -aoc 'lenscap-truth device=cam-2' "$T/got/live.mjpeg")
echo "# frames before the token expired: $n of 400; ended at $s1, exp $short_exp"
ok "the stream ended early (curl $rc)" test "$rc" -ne 0 -a "$n" -lt 400 -a "$n" -gt 0
# a token is held until exp and the policy's clock skew (2 s), as long
# as it is accepted
ok "no later than a second after exp and the skew" test "$s1" -le "$((short_exp + 3))"
ok "audited as not_granted" grep -q '"account":"acct-1","device":"cam-2".*"reason":"not_granted"' "$T/audit.log"
# past exp and the skew
while [ "$(date +%s)" -lt $((short_exp + 3)) ]; do sleep 0.2; done
is "the short token is refused now (401)" "$(get late/short cam-1)" 401
ok "as expired" grep -q "\"session\":\"$(digest12 late/short)\".*\"detail\":\"jwt: expired\"" "$T/audit.log"
kill -TERM "$LENSCAPD_PID"; wait "$LENSCAPD_PID"
is "SIGTERM: exit 0" "$?" 0
done_testing
