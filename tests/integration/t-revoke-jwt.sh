#!/bin/bash
# A live stream under a JWT session ends when a reload takes its key (or
# the whole issuer) away, not only new requests: the gate asks the
# session's source again for every frame (session_holds()).
. "$top_srcdir/tests/integration/lib.sh"
MINT="$top_builddir/tests/unit/jwt-tokens"
setup_pki
setup_nginx "" "limit_rate 200k;"
FRAME_BYTES=4000
NOW=$(( $(date +%s) * 1000 ))
ISS=https://issuer.example
"$MINT" "$T" "$(date +%s)" "$ISS" lenscapd-id || bail "minting"
cp "$T/jwks-a.json" "$T/jwks.json"
{ for k in $(seq 1 400); do part ingest cam-2 "$k"; done; printf -- '--vendor-boundary--\r\n'; } > "$(stream_file cam-2)"
mkdir -p "$T/store/frames/cam-1"; frame cam-1 > "$T/raw"
"$L" seal -k "$T/pki/ingest.sec" -d cam-1 -K snapshot -t "$NOW" -i "$T/raw" -o "$T/store/frames/cam-1/latest.lcf"
JWT=", \"jwt\": { \"issuer\": \"$ISS\", \"audience\": \"lenscapd-id\", \"jwks\": \"jwks.json\" }"
POLICY_SESSIONS=$JWT write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant)
get() { curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
	-H "Authorization: Bearer $(cat "$T/$1")" "https://127.0.0.1:$A/v1/cameras/$2/snapshot"; }
is "ok-ed: 200" "$(get ok-ed cam-1)" 200
curl -s -N -m 60 -o "$T/got/live" --cacert "$T/pki/ca.crt" -H "Authorization: Bearer $(cat "$T/ok-ed")" \
	"https://127.0.0.1:$A/v1/cameras/cam-2/live" & C=$!
sleep 2
cp "$T/jwks-b.json" "$T/jwks.json"
is "a reload with the old key removed" "$(hup)" "policy in force"
is "ok-ed, new request: 401" "$(get ok-ed cam-1)" 401
POLICY_SESSIONS="" write_policy '"cam-1", "cam-2"'
is "a reload without the issuer" "$(hup)" "policy in force"
wait $C
n=$(grep -aoc 'lenscap-truth device=cam-2' "$T/got/live")
echo "# stream under a token whose key (then whole jwt source) was removed: $n of 400"
ok "the stream ended before the backend's 400 frames" [ "$n" -lt 400 ]
ok "audited as not_granted" grep -q '"device":"cam-2".*"reason":"not_granted"' "$T/audit.log"
done_testing
