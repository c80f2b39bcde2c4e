#!/bin/bash
# Capability stream URLs (lenscapd(8), "Capability URLs"): a still, an
# HLS playlist and a segment fetched through /s/<capability>/... with no
# Authorization header, byte-identical to what the camera pushed; every
# refusal (expired 410; tampered, other key, unknown key, wrong kind,
# grant or account gone: 404) with its audit reason; a second lenscapd
# sharing the key accepts the capability, a third with another key does
# not; key rotation by id; CORS per route.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
setup_nginx "" ""
for k in k1 k2 other; do
	"$L" capability keygen -o "$T/pki/$k.cap" || bail "capability keygen"
done
ok "capability keygen writes 32 bytes, mode 0600" \
	sh -c "[ \"\$(stat -c '%a %s' '$T/pki/k1.cap')\" = '600 32' ]"
ok "capability keygen never overwrites" sh -c "! '$L' capability keygen -o '$T/pki/k1.cap'"
ORIGIN=https://www.gstatic.com
hls_route() { # FACE METHOD [EXTRA]
	printf ', { "face": "%s", "method": "%s", "path": "/v1/cameras/{device}/hls/{name}",
	  "backend": "/frames/hls/{device}/{name}", "media": "hls", "freshness_ms": 600000,
	  "content_types": ["video/mp2t", "application/vnd.apple.mpegurl"] %s }' "$1" "$2" "${3:-}"
}
POLICY_ROUTES="$(hls_route camera PUT)$(hls_route assistant GET ", \"cors_origins\": [\"$ORIGIN\"]")"
caps() { # KEY-ID... : the "capabilities" section, keys in this order
	local ks="" k
	for k in "$@"; do ks="$ks{ \"id\": \"$k\", \"secret\": \"pki/${SECRET_OF:-}${k}.cap\" },"; done
	echo "\"capabilities\": { \"keys\": [ ${ks%,} ], \"lifetime_ms\": { \"snapshot\": 60000 } },"
}
POLICY_TOP=$(caps k1)
write_policy '"cam-1", "cam-2"'
ok "lenscapd -t accepts the capabilities section" "$LENSCAPD" -t -c "$T/policy.json"
cp "$T/pki/k1.cap" "$T/pki/loose.cap"; chmod 644 "$T/pki/loose.cap"
sed 's|pki/k1.cap|pki/loose.cap|' "$T/policy.json" > "$T/loose.json"
ok "a secret readable by others is refused" sh -c "! '$LENSCAPD' -t -c '$T/loose.json'"
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)

# --- cameras push a still and an HLS playlist and segment ---------------------
put() { # CERT PATH TYPE FILE -> status
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		--cert "$T/pki/$1.crt" --key "$T/pki/$1.key" -X PUT -H "Content-Type: $3" \
		--data-binary @"$4" "https://127.0.0.1:$C$2"
}
frame cam-1 > "$T/frames/cam-1.jpg"; frame cam-3 > "$T/frames/cam-3.jpg"
{ printf 'G@\021\020lenscap-truth device=cam-1   '; head -c 155 /dev/urandom
  for _ in $(seq 19); do printf G; head -c 187 /dev/urandom; done; } > "$T/frames/seg-0.ts"
printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.000,\nseg-0.ts\n' \
	> "$T/frames/index.m3u8"
is "cam-1 pushes a still" "$(put cam-1 /v1/cameras/cam-1/snapshot image/jpeg "$T/frames/cam-1.jpg")" 201
is "cam-3 pushes a still" "$(put cam-3 /v1/cameras/cam-3/snapshot image/jpeg "$T/frames/cam-3.jpg")" 201
is "cam-1 pushes a segment" "$(put cam-1 /v1/cameras/cam-1/hls/seg-0.ts video/mp2t "$T/frames/seg-0.ts")" 201
is "cam-1 pushes a playlist" \
	"$(put cam-1 /v1/cameras/cam-1/hls/index.m3u8 application/vnd.apple.mpegurl "$T/frames/index.m3u8")" 201

# --- minting ------------------------------------------------------------------
mint() { # ACCOUNT DEVICE KIND [PORT] -> the URL path
	curl -s -X POST "http://127.0.0.1:${4:-$M}/v1/capabilities?account=$1&device=$2&kind=$3" |
		sed -n 's/.*"path":"\([^"]*\)".*/\1/p'
}
code() { # PATH [PORT] [CURL ARGS...] -> status; the body in $T/got/body
	local p=$1 port=${2:-$A}; shift; [ $# -gt 0 ] && shift
	curl -s -o "$T/got/body" -w '%{http_code}' --cacert "$T/pki/ca.crt" "$@" "https://127.0.0.1:$port$p"
}
STILL=$(mint acct-1 cam-1 snapshot)
HLS=$(mint acct-1 cam-1 hls)
ok "the admin listener mints a still's capability" sh -c "echo '$STILL' | grep -Eq '^/s/[A-Za-z0-9_-]+/snapshot.jpg$'"
ok "and an hls one" sh -c "echo '$HLS' | grep -Eq '^/s/[A-Za-z0-9_-]+/index.m3u8$'"
is "minting for a device the account may not see: 404" \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$M/v1/capabilities?account=acct-1&device=cam-3&kind=snapshot")" 404
is "minting with an encoded or extra argument: 400" \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$M/v1/capabilities?account=acct%2D1&device=cam-1&kind=hls")" 400
is "minting by GET: 405" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$M/v1/capabilities?account=acct-1&device=cam-1&kind=hls")" 405
ok "the mint is audited with a digest prefix, never the capability" \
	sh -c "grep '\"event\":\"capability_minted\"' '$T/audit.log' | grep -q '\"session\":\"cap:' &&
	       ! grep -qF '$(echo "$STILL" | cut -d/ -f3)' '$T/audit.log'"

# --- fetching through a capability --------------------------------------------
is "a still through its capability, no Authorization: 200" "$(code "$STILL")" 200
ok "byte-identical to what cam-1 pushed" cmp -s "$T/got/body" "$T/frames/cam-1.jpg"
is "the playlist through its capability: 200" "$(code "$HLS")" 200
ok "byte-identical" cmp -s "$T/got/body" "$T/frames/index.m3u8"
SEG=${HLS%/index.m3u8}/seg-0.ts
is "a segment the playlist names, relative to it: 200" "$(code "$SEG")" 200
ok "byte-identical" cmp -s "$T/got/body" "$T/frames/seg-0.ts"
CLI=$("$L" capability mint -k "$T/pki/k1.cap" -i k1 -a acct-1 -d cam-1 -K snapshot -t 60000)
is "a capability minted by lenscap with the same key: 200" "$(code "$CLI")" 200

# --- refusals -------------------------------------------------------------------
audited() { # DETAIL: the last auth_failure line carries it and a digest prefix
	grep '"event":"auth_failure"' "$T/audit.log" | tail -n 1 | grep -F "\"detail\":\"$1\"" | grep -q '"session":"cap:'
}
EXPIRED=$("$L" capability mint -k "$T/pki/k1.cap" -i k1 -a acct-1 -d cam-1 -K snapshot -t 0)
is "expired: 410" "$(code "$EXPIRED")" 410
ok "audited: expired" audited "capability expired"
cap=$(echo "$STILL" | cut -d/ -f3)
c=${cap:40:1}; [ "$c" = A ] && n=B || n=A
is "tampered (one character): 404" "$(code "/s/${cap:0:40}$n${cap:41}/snapshot.jpg")" 404
ok "audited: MAC wrong" sh -c "grep '\"event\":\"auth_failure\"' '$T/audit.log' | tail -n 1 |
	grep -Eq 'capability (MAC wrong|malformed)'"
is "truncated: 404" "$(code "/s/${cap:0:60}/snapshot.jpg")" 404
OTHER=$("$L" capability mint -k "$T/pki/other.cap" -i k1 -a acct-1 -d cam-1 -K snapshot -t 60000)
is "made with another key under the same id: 404" "$(code "$OTHER")" 404
ok "audited: MAC wrong" audited "capability MAC wrong (tampered or another key)"
UNKNOWN=$("$L" capability mint -k "$T/pki/other.cap" -i k9 -a acct-1 -d cam-1 -K snapshot -t 60000)
is "an unknown key id: 404" "$(code "$UNKNOWN")" 404
ok "audited: key unknown" sh -c "grep '\"event\":\"auth_failure\"' '$T/audit.log' | tail -n 1 | grep -q 'capability key unknown'"
is "an hls capability used for snapshot.jpg: 404" "$(code "${HLS%/index.m3u8}/snapshot.jpg")" 404
ok "audited: kind" audited "capability kind does not match the path"
is "a still's capability used for a playlist: 404" "$(code "${STILL%/snapshot.jpg}/index.m3u8")" 404
is "the Authorization header is not needed, and a token does not widen it" \
	"$(code "${STILL%/snapshot.jpg}/stream.mjpeg" "$A" -H 'Authorization: Bearer token-of-account-1')" 404

# --- CORS -------------------------------------------------------------------------
curl -s -o /dev/null -D "$T/got/h1" --cacert "$T/pki/ca.crt" -H "Origin: $ORIGIN" "https://127.0.0.1:$A$HLS"
ok "an allowed origin is echoed" grep -qi "^access-control-allow-origin: $ORIGIN" "$T/got/h1"
ok "with Vary: Origin" grep -qi '^vary: origin' "$T/got/h1"
curl -s -o /dev/null -D "$T/got/h2" --cacert "$T/pki/ca.crt" -H "Origin: https://evil.example" "https://127.0.0.1:$A$HLS"
ok "another origin gets no CORS header" sh -c "! grep -qi '^access-control' '$T/got/h2'"
curl -s -o /dev/null -D "$T/got/h3" -w '%{http_code}' --cacert "$T/pki/ca.crt" -X OPTIONS \
	-H "Origin: $ORIGIN" -H 'Access-Control-Request-Method: GET' "https://127.0.0.1:$A$SEG" > "$T/got/pc"
is "a preflight: 204" "$(cat "$T/got/pc")" 204
ok "it allows GET, HEAD, OPTIONS for the origin" sh -c "grep -qi '^access-control-allow-methods: GET, HEAD, OPTIONS' '$T/got/h3' &&
	grep -qi '^access-control-allow-origin: $ORIGIN' '$T/got/h3'"
curl -s -o /dev/null -D "$T/got/h4" --cacert "$T/pki/ca.crt" -H "Origin: $ORIGIN" "https://127.0.0.1:$A$STILL"
ok "a route without cors_origins answers no CORS header" sh -c "! grep -qi '^access-control' '$T/got/h4'"

# --- other instances ---------------------------------------------------------------
start_other() { # NAME POLICY: another lenscapd; its assistant port in $OTHER
	"$LENSCAPD" -f -c "$2" -A "$T/audit-$1.log" -P "$T/ports-$1" -p "$T/$1.pid" \
		>/dev/null 2>>"$T/$1.stderr" &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do [ -s "$T/ports-$1" ] && break; sleep 0.1; done
	OTHER=$(awk '$1 == "assistant" { print $2 }' "$T/ports-$1")
}
cp "$T/policy.json" "$T/second.json"
start_other second "$T/second.json"; B2=$OTHER
is "a second lenscapd sharing the key accepts it (no shared state)" "$(code "$STILL" "$B2")" 200
SECRET_OF=other- ; cp "$T/pki/other.cap" "$T/pki/other-k1.cap"
POLICY_TOP=$(caps k1) write_policy '"cam-1", "cam-2"'; cp "$T/policy.json" "$T/third.json"
SECRET_OF=""
start_other third "$T/third.json"; B3=$OTHER
is "a third with another key under the same id refuses it: 404" "$(code "$STILL" "$B3")" 404

# --- rotation ------------------------------------------------------------------------
POLICY_TOP=$(caps k2 k1) write_policy '"cam-1", "cam-2"'
is "reload: k2 first, k1 second" "$(hup)" "policy in force"
NEW=$(mint acct-1 cam-1 snapshot)
ok "the new capability names k2" sh -c "[ '$NEW' != '' ] && [ '$NEW' != '$STILL' ]"
is "the new one: 200" "$(code "$NEW")" 200
is "the old one (k1) still: 200" "$(code "$STILL")" 200
POLICY_TOP=$(caps k2) write_policy '"cam-1", "cam-2"'
is "reload: k1 dropped" "$(hup)" "policy in force"
is "the old one: 404" "$(code "$STILL")" 404
ok "audited: key unknown" sh -c "grep '\"event\":\"auth_failure\"' '$T/audit.log' | tail -n 1 | grep -q 'capability key unknown'"
is "the new one: 200" "$(code "$NEW")" 200

# --- revocation ------------------------------------------------------------------------
NEWHLS=$(mint acct-1 cam-1 hls)
CAM3=$(mint acct-2 cam-3 snapshot)
is "acct-2's still: 200" "$(code "$CAM3")" 200
is "the playlist before the reload: 200" "$(code "$NEWHLS")" 200
POLICY_TOP=$(caps k2) write_policy '"cam-2"'
is "reload: cam-1 taken from acct-1" "$(hup)" "policy in force"
is "the next playlist: 404" "$(code "$NEWHLS")" 404
ok "audited: deny, not_granted" sh -c "grep '\"event\":\"deny\"' '$T/audit.log' | tail -n 1 |
	grep '\"reason\":\"not_granted\"' | grep -q '\"session\":\"cap:'"
is "the next segment: 404" "$(code "${NEWHLS%/index.m3u8}/seg-0.ts")" 404
is "the next still: 404" "$(code "$NEW")" 404
POLICY_ACCOUNTS=", \"acct-3\": { \"devices\": [\"cam-5\"] }" POLICY_TOKENS="1:1 3:3" POLICY_TOP=$(caps k2) write_policy '"cam-2"'
is "reload: acct-2 removed" "$(hup)" "policy in force"
is "acct-2's capability: 404" "$(code "$CAM3")" 404
ok "audited: account unknown" audited "capability account unknown"
ok "no capability appears whole in any audit trail" \
	sh -c "! grep -qF '$(echo "$NEW" | cut -d/ -f3)' '$T'/audit*.log"
done_testing
