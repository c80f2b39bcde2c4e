#!/bin/bash
# Alexa end to end through the forwarder (contrib/alexa/invoke.py runs the
# Lambda handler on each directive, from tests/platform/fixtures).  Two
# homes: cam-1 of acct-1 (home A) and cam-3 of acct-2 (home B) are ffmpeg
# pushing live HLS and a still through the camera face.  The vendor's HLS
# objects sit behind a cache keyed by file name alone, the route the
# capabilities use; home B's Echo Show fills it with cam-3's segments
# under names that cam-1 has not made yet.  Home A's Echo Show discovers
# its camera, asks for a stream and plays it with ffmpeg: it gets cam-1's
# segments byte for byte, and a 502 where the cache holds cam-3's.  Then
# SnapshotProvider's still fetched with tokens, every refusal in Alexa's
# shape, ReportState, and lenscapd down.
. "$top_srcdir/tests/integration/lib.sh"
for tool in ffmpeg python3; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
# The interpreter itself, not a wrapper that finds it on each call (pyenv's
# shims take a second each): the test runs Python dozens of times.
PY=$(python3 -c 'import sys; print(sys.executable)') && [ -x "$PY" ] || bail "python3 does not run"
MINT="$top_builddir/tests/unit/jwt-tokens"
[ -x "$MINT" ] || bail "no $MINT"
INVOKE="$top_srcdir/contrib/alexa/invoke.py"
FIX="$top_srcdir/tests/platform/fixtures"
setup_pki
mkdir -p "$T/alexa" || bail mkdir
# /frames/cdn/ is /frames/ (a link in the store) behind a cache that keys
# a segment by its file name alone.  Playlists are not cached, as a CDN
# keeps a live playlist for a second at most.
setup_name_cache '[^/]+\.ts'
ISS=https://issuer.example
"$MINT" "$T" "$(date +%s)" "$ISS" lenscapd-id || bail "minting"
cp "$T/jwks-a.json" "$T/jwks.json" || bail "jwks"
"$L" capability keygen -o "$T/pki/k1.cap" || bail "capability keygen"

# The links lenscapd hands out name its assistant face: a port chosen here.
AP=$(free_port)
POLICY_LISTENERS=$(listeners "127.0.0.1:$AP")
caps() { # [LIFETIMES]: the "capabilities" section
	echo "\"capabilities\": { \"keys\": [ { \"id\": \"k1\", \"secret\": \"pki/k1.cap\" } ] ${1:+, \"lifetime_ms\": $1} },"
}
POLICY_TOP=$(caps)
# The only assistant HLS route, so the one capabilities use, reads
# through the cache.
POLICY_ROUTES=', { "face": "camera", "method": "PUT", "path": "/v1/cameras/{device}/hls/{name}",
	  "backend": "/frames/hls/{device}/{name}", "media": "hls",
	  "content_types": ["video/mp2t", "application/vnd.apple.mpegurl"] },
	{ "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/hls/{name}",
	  "backend": "/frames/cdn/hls/{device}/{name}", "media": "hls", "freshness_ms": 60000,
	  "content_types": ["video/mp2t", "application/vnd.apple.mpegurl"] },
	{ "face": "assistant", "method": "POST", "path": "/alexa/directive", "platform": "alexa",
	  "public_url": "https://127.0.0.1:'$AP'", "online_ms": 60000 }'
POLICY_ACCOUNTS=', "acct-2": { "devices": ["cam-3", "cam-4"] }'
POLICY_TOKENS="1:1 2:2"
POLICY_SESSIONS=", \"jwt\": { \"issuer\": \"$ISS\", \"audience\": \"lenscapd-id\",
	\"jwks\": \"jwks.json\", \"max_token_bytes\": 4096 }"
# ffmpeg's hls muxer hands no client certificate: cam-1 and cam-3 prove
# their device with their device token.
POLICY_TOKEN_ONLY="1 3"
write_policy '"cam-1"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
is "the assistant face is on the port its links name" "$(port_of assistant)" "$AP"
C=$(port_of camera)
URL="https://127.0.0.1:$AP"
TA=token-of-account-1
TB=token-of-account-2

# alexa NAME DIRECTIVE-FILE: the directive through the forwarder, as
# Lambda would run it; the answer in $T/alexa/NAME.json, the forwarder's
# log in NAME.log.  No bytecode is written beside the sources.
alexa() {
	PYTHONDONTWRITEBYTECODE=1 LENSCAP_URL="$URL/alexa/directive" LENSCAP_CA_FILE="$T/pki/ca.crt" \
		"$PY" "$INVOKE" "$2" > "$T/alexa/$1.json" 2> "$T/alexa/$1.log"
}
# directive NAME FIXTURE TOKEN DEVICE: alexa-FIXTURE.json with TOKEN for
# the user's token and DEVICE for cam-a, through the forwarder.
directive() {
	sed -e "s|\"TOKEN\"|\"$3\"|" -e "s|\"cam-a\"|\"$4\"|" "$FIX/alexa-$2.json" > "$T/alexa/$1.in" &&
		alexa "$1" "$T/alexa/$1.in"
}
# jget NAME EXPR: EXPR (Python, over the answer m) of answer NAME; a
# string as it is, anything else as JSON.
jget() {
	"$PY" -c 'import json, sys
m = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))' "$T/alexa/$1.json" "$2" 2>/dev/null
}
header() { jget "$1" 'm["event"]["header"]["namespace"] + "/" + m["event"]["header"]["name"]'; }
error_type() { jget "$1" 'm["event"]["payload"]["type"]'; }
CORR=$(sed -n 's/.*"correlationToken": "\([^"]*\)".*/\1/p' "$FIX/alexa-report-state.json")

# fetch URL FILE [TOKEN]: the status of URL, its body in FILE, its
# headers in FILE.h.
fetch() {
	curl -s -D "$2.h" -o "$2" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		${3:+-H "Authorization: Bearer $3"} "$1"
}
# opened DEVICE NAME: the store's HLS object NAME of DEVICE, its envelope
# opened, into $T/got/DEVICE-NAME.
opened() {
	"$L" open -k "$(ingest_opener)" -d "$1" -i "$T/store/frames/hls/$1/$2" \
		-o "$T/got/$1-$2" 2>/dev/null
}

# --- the cameras: a still each, then live HLS ---------------------------------
for c in 1 3; do
	src=testsrc; [ "$c" = 3 ] && src=testsrc2
	ffmpeg -nostdin -loglevel error -f lavfi -i "$src=size=640x360" -frames:v 1 \
		-c:v mjpeg -f image2 "$T/frames/cam-$c.jpg" || bail "a still of cam-$c"
	is "cam-$c pushes a still" "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H "Authorization: Bearer device-token-$c" -H 'Content-Type: image/jpeg' \
		-X PUT --data-binary @"$T/frames/cam-$c.jpg" "https://127.0.0.1:$C/v1/cameras/cam-$c/snapshot")" 201
done
# camera N SOURCE SECONDS GOP HLS_TIME: ffmpeg as cam-N pushing SOURCE
# live with its device token; its log in $T/cam-N.log.
camera() {
	ffmpeg -nostdin -hide_banner -loglevel info -re -f lavfi -i "$2=size=640x360:rate=25" \
		-t "$3" -c:v libx264 -preset ultrafast -g "$4" -f hls -hls_time "$5" -hls_list_size 5 \
		-hls_flags delete_segments -method PUT -http_persistent 1 \
		-headers "Authorization: Bearer device-token-$1" \
		"https://127.0.0.1:$C/v1/cameras/cam-$1/hls/index.m3u8" > "$T/cam-$1.log" 2>&1
}
# cam-3 first, two short segments a second: it has made the names that
# home B's Echo Show puts in the cache before cam-1 begins.
camera 3 testsrc2 8 12 0.4 & CAM3=$!; PIDS="$PIDS $CAM3"

# --- Discover: each home sees its own cameras only -------------------------------
directive disc-a discover "$TA" cam-a
is "A's Discover: a Discover.Response" "$(header disc-a)" "Alexa.Discovery/Discover.Response"
is "A's Discover lists cam-1 alone" \
	"$(jget disc-a '[e["endpointId"] for e in m["event"]["payload"]["endpoints"]]')" '["cam-1"]'
ok "cam-3 appears nowhere in A's answer" sh -c "! grep -q 'cam-3' '$T/alexa/disc-a.json'"
is "cam-1's interfaces: stream, snapshot, health, Alexa" \
	"$(jget disc-a '[c["interface"] for c in m["event"]["payload"]["endpoints"][0]["capabilities"]]')" \
	'["Alexa.CameraStreamController", "Alexa.SmartVision.SnapshotProvider", "Alexa.EndpointHealth", "Alexa"]'
is "its stream: HLS, H264, 1280x720" \
	"$(jget disc-a '[m["event"]["payload"]["endpoints"][0]["capabilities"][0]["cameraStreamConfigurations"][0][k] for k in ("protocols", "videoCodecs", "resolutions")]')" \
	'[["HLS"], ["H264"], [{"height": 720, "width": 1280}]]'
directive disc-b discover "$TB" cam-a
is "B's Discover lists cam-3 and cam-4" \
	"$(jget disc-b '[e["endpointId"] for e in m["event"]["payload"]["endpoints"]]')" '["cam-3", "cam-4"]'
ok "cam-1 appears nowhere in B's answer" sh -c "! grep -q 'cam-1' '$T/alexa/disc-b.json'"

# --- home A's Echo Show asks for a stream (cam-1 is online: its still) --------------
directive init-a initialize-camera-streams "$TA" cam-1
is "InitializeCameraStreams: a CameraStreamController Response" \
	"$(header init-a)" "Alexa.CameraStreamController/Response"
is "the correlationToken is echoed" "$(jget init-a 'm["event"]["header"]["correlationToken"]')" "$CORR"
is "for endpoint cam-1" "$(jget init-a 'm["event"]["endpoint"]["endpointId"]')" cam-1
URI_A=$(jget init-a 'm["event"]["payload"]["cameraStreams"][0]["uri"]')
IMAGE_A=$(jget init-a 'm["event"]["payload"]["imageUri"]')
echo "# stream: $URI_A"
ok "cameraStreams[0].uri is a capability playlist on the public URL" \
	sh -c "echo '$URI_A' | grep -q '^$URL/s/[^/]*/index.m3u8$'"
is "protocol HLS, 1280x720, H264, audio NONE, no authorization" \
	"$(jget init-a '[m["event"]["payload"]["cameraStreams"][0][k] for k in ("protocol", "resolution", "videoCodec", "audioCodec", "authorizationType")]')" \
	'["HLS", {"height": 720, "width": 1280}, "H264", "NONE", "NONE"]'
ok "an expirationTime in the future" "$PY" -c 'import datetime, sys
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
sys.exit(t <= datetime.datetime.now(datetime.timezone.utc))' \
	"$(jget init-a 'm["event"]["payload"]["cameraStreams"][0]["expirationTime"]')"

# --- home B's Echo Show fills the cache with cam-3's segments -------------------
# Names that cam-1, once it begins, makes in 8 and 9 s: A's player asks
# for them.
POISON="index8.ts index9.ts"
for _ in $(seq 200); do [ -f "$T/store/frames/hls/cam-3/index9.ts" ] && break; sleep 0.1; done
ok "cam-3 has pushed $POISON" test -f "$T/store/frames/hls/cam-3/index9.ts"
directive init-b initialize-camera-streams "$TB" cam-3
URI_B=$(jget init-b 'm["event"]["payload"]["cameraStreams"][0]["uri"]')
poisoned=0
for f in $POISON; do
	code=$(fetch "${URI_B%/index.m3u8}/$f" "$T/got/b-$f")
	opened cam-3 "$f" && [ "$code" = 200 ] && cmp -s "$T/got/b-$f" "$T/got/cam-3-$f" &&
		poisoned=$((poisoned + 1))
done
is "B's Echo Show gets cam-3's $POISON, its own" "$poisoned" 2
foreign=0
for f in $POISON; do
	backend_foreign cam-1 "/frames/cdn/hls/cam-1/$f" &&
		"$L" inspect -i "$T/got/direct" | grep -q '"device": "cam-3"' && foreign=$((foreign + 1))
done
is "the backend now serves cam-3's objects for cam-1's names (the bug is live)" "$foreign" 2

# --- cam-1 goes live; A's Echo Show plays it ------------------------------------
camera 1 testsrc 22 25 1 & CAM1=$!; PIDS="$PIDS $CAM1"
for _ in $(seq 100); do [ -f "$T/store/frames/hls/cam-1/index.m3u8" ] && break; sleep 0.1; done
ok "cam-1's playlist is stored" test -f "$T/store/frames/hls/cam-1/index.m3u8"
play_hls "$URI_A" 14
fetched=$(played_segments)
echo "# it fetched:" $fetched
ok "it fetched at least 8 segments" test "$(echo "$fetched" | wc -w)" -ge 8
ok "among them $POISON" sh -c "echo '$fetched' | grep -qx index8.ts && echo '$fetched' | grep -qx index9.ts"
ok "which lenscapd refused it (HTTP 502)" grep -q 'HTTP error 502' "$T/player.log"
# What the player got for each name is what the cache holds for it (an
# hour), so fetching the name again through A's capability gets it again.
same=0; refused=""; leaked=0; n=0
for f in $fetched; do
	n=$((n + 1))
	code=$(fetch "${URI_A%/index.m3u8}/$f" "$T/got/a-$f")
	opened cam-3 "$f" && cmp -s "$T/got/a-$f" "$T/got/cam-3-$f" && leaked=$((leaked + 1))
	case $code in
	200) opened cam-1 "$f" && cmp -s "$T/got/a-$f" "$T/got/cam-1-$f" && same=$((same + 1)) ;;
	502) grep -q '"title":"frame refused"' "$T/got/a-$f" && refused="$refused $f" ;;
	esac
done
is "A received no byte of cam-3's segments" "$leaked" 0
is "the two cached under cam-3's were refused (502), and only they" \
	"${refused# }" "$POISON"
is "every other segment is byte-identical to what cam-1 pushed" "$same" $((n - 2))
ok "the drops are audited: cam-3's envelope for acct-1's cam-1" \
	grep -q '"event":"drop".*"account":"acct-1","device":"cam-1".*"envelope_device":"cam-3".*"reason":"device_mismatch"' "$T/audit.log"
is "the imageUri: cam-1's still (200)" "$(fetch "$IMAGE_A" "$T/got/image")" 200
ok "byte-identical to the still cam-1 pushed" cmp -s "$T/got/image" "$T/frames/cam-1.jpg"
is "answered as image/jpeg" "$(sed -n 's/^[Cc]ontent-[Tt]ype: \([^;\r]*\).*/\1/p' "$T/got/image.h")" image/jpeg
wait "$CAM1"; is "cam-1 (ffmpeg) exits 0" "$?" 0
wait "$CAM3"; is "cam-3 (ffmpeg) exits 0" "$?" 0

# --- SnapshotProvider: a still fetched with the user's token --------------------
directive snap-a get-snapshot "$TA" cam-1
is "GetSnapshot: a SnapshotProvider Response" "$(header snap-a)" "Alexa.SmartVision.SnapshotProvider/Response"
is "its correlationToken is echoed" "$(jget snap-a 'm["event"]["header"]["correlationToken"]')" "$CORR"
SNAP=$(jget snap-a 'm["event"]["payload"]["imageUri"]')
ok "its imageUri is a capability on the public URL" sh -c "echo '$SNAP' | grep -q '^$URL/s/'"
is "fetched with A's token: 200" "$(fetch "$SNAP" "$T/got/snap" "$TA")" 200
ok "A's JPEG, byte for byte" cmp -s "$T/got/snap" "$T/frames/cam-1.jpg"
# no_jpeg FILE: FILE is a problem, not a JPEG nor any part of one.
no_jpeg() {
	"$PY" -c 'import json, sys
b = open(sys.argv[1], "rb").read()
j = open(sys.argv[2], "rb").read()
json.loads(b)
sys.exit(b"\xff\xd8" in b or any(j[i:i + 16] in b for i in range(0, len(j) - 16, 16)))' "$1" "$T/frames/cam-1.jpg"
}
is "fetched with A's JWT: 200" "$(fetch "$SNAP" "$T/got/snap-jwt" "$(cat "$T/ok-ed")")" 200
ok "A's JPEG again" cmp -s "$T/got/snap-jwt" "$T/frames/cam-1.jpg"
is "fetched with B's token: refused (404)" "$(fetch "$SNAP" "$T/got/snap-b" "$TB")" 404
ok "and nothing of the JPEG" no_jpeg "$T/got/snap-b"
is "fetched with B's JWT: refused (404)" "$(fetch "$SNAP" "$T/got/snap-bj" "$(cat "$T/acct-2")")" 404
ok "and nothing of the JPEG" no_jpeg "$T/got/snap-bj"
is "fetched with a bogus token: 401" "$(fetch "$SNAP" "$T/got/snap-x" bogus-token)" 401
ok "and nothing of the JPEG" no_jpeg "$T/got/snap-x"
POLICY_TOP=$(caps '{ "snapshot": 1000 }') write_policy '"cam-1"'
is "a reload: snapshot capabilities live 1 s" "$(hup)" "policy in force"
directive snap-short get-snapshot "$TA" cam-1
SHORT=$(jget snap-short 'm["event"]["payload"]["imageUri"]')
sleep 1.5
is "an expired snapshot capability, with A's token: 410" "$(fetch "$SHORT" "$T/got/gone" "$TA")" 410
ok "never a redirect (no Location)" sh -c "! grep -qi '^location:' '$T/got/gone.h'"
ok "and nothing of the JPEG" no_jpeg "$T/got/gone"
is "without a token: 410 too" "$(fetch "$SHORT" "$T/got/gone2")" 410

# --- refusals in Alexa's shape -------------------------------------------------------
directive b-cam1 initialize-camera-streams "$TB" cam-1
directive b-none initialize-camera-streams "$TB" cam-99
is "B's token for cam-1: NO_SUCH_ENDPOINT" "$(error_type b-cam1)" NO_SUCH_ENDPOINT
normalised() { sed -e 's/"messageId": "[^"]*"/"messageId": "M"/' -e 's/"endpointId": "[^"]*"/"endpointId": "E"/' "$T/alexa/$1.json"; }
is "byte-identical to a camera that does not exist" "$(normalised b-cam1)" "$(normalised b-none)"
is "both answered with the same status" "$(grep -o 'answered [0-9]*' "$T/alexa/b-cam1.log")" \
	"$(grep -o 'answered [0-9]*' "$T/alexa/b-none.log")"
directive b-snap get-snapshot "$TB" cam-1
is "B's GetSnapshot for cam-1: NO_SUCH_ENDPOINT" "$(error_type b-snap)" NO_SUCH_ENDPOINT
directive bad-token initialize-camera-streams not-a-token cam-1
is "an invalid token: INVALID_AUTHORIZATION_CREDENTIAL" "$(error_type bad-token)" INVALID_AUTHORIZATION_CREDENTIAL
is "its correlationToken is echoed" "$(jget bad-token 'm["event"]["header"]["correlationToken"]')" "$CORR"
ok "nothing of a link in it" sh -c "! grep -q '/s/' '$T/alexa/bad-token.json'"
directive jwt-ok report-state "$(cat "$T/ok-ed")" cam-1
is "a JWT of acct-1 is a session: its ReportState answered" "$(header jwt-ok)" "Alexa/StateReport"
directive jwt-expired initialize-camera-streams "$(cat "$T/expired")" cam-1
is "an expired JWT: EXPIRED_AUTHORIZATION_CREDENTIAL" "$(error_type jwt-expired)" EXPIRED_AUTHORIZATION_CREDENTIAL
sed 's/"payloadVersion": "3"/"payloadVersion": "2"/' "$T/alexa/init-a.in" > "$T/alexa/v2.in"
alexa v2 "$T/alexa/v2.in"
is "a directive of payloadVersion 2: INVALID_DIRECTIVE" "$(error_type v2)" INVALID_DIRECTIVE
grep -v '"endpointId"' "$T/alexa/init-a.in" > "$T/alexa/no-endpoint.in"
alexa no-endpoint "$T/alexa/no-endpoint.in"
is "InitializeCameraStreams without an endpointId: INVALID_DIRECTIVE" "$(error_type no-endpoint)" INVALID_DIRECTIVE
sed -e 's/"Alexa.CameraStreamController"/"Alexa.PowerController"/' \
	-e 's/"InitializeCameraStreams"/"TurnOn"/' "$T/alexa/init-a.in" > "$T/alexa/turn-on.in"
alexa turn-on "$T/alexa/turn-on.in"
is "an unknown directive (PowerController.TurnOn): INVALID_DIRECTIVE" "$(error_type turn-on)" INVALID_DIRECTIVE
directive offline initialize-camera-streams "$TB" cam-4
is "B's cam-4, which never pushed: ENDPOINT_UNREACHABLE" "$(error_type offline)" ENDPOINT_UNREACHABLE

# --- ReportState ---------------------------------------------------------------------
directive state-1 report-state "$TA" cam-1
connectivity() { jget "$1" '[p["value"]["value"] for p in m["context"]["properties"] if p["name"] == "connectivity"]'; }
is "ReportState: a StateReport" "$(header state-1)" "Alexa/StateReport"
is "cam-1, pushing: connectivity OK" "$(connectivity state-1)" '["OK"]'
directive state-4 report-state "$TB" cam-4
is "cam-4, which never pushed: UNREACHABLE" "$(connectivity state-4)" '["UNREACHABLE"]'
is "the correlationToken is echoed" "$(jget state-4 'm["event"]["header"]["correlationToken"]')" "$CORR"

# --- the audit trail: one line per directive, no token ---------------------------
ok "A's InitializeCameraStreams is audited: asked 1, answered 1" \
	grep -q '"event":"intent".*"account":"acct-1",.*"detail":"InitializeCameraStreams: asked 1, answered 1, status 200"' "$T/audit.log"
ok "B's for cam-1 and cam-99: asked 1, answered 0 (twice)" \
	test "$(grep -c '"event":"intent".*"account":"acct-2",.*"detail":"InitializeCameraStreams: asked 1, answered 0, status 200"' "$T/audit.log")" -ge 2
ok "a malformed directive is audited as refused, with why" \
	grep -q '"event":"refused".*"route":"/alexa/directive","detail":"payloadVersion is not \\"3\\""' "$T/audit.log"
ok "no user token in the audit trail" \
	sh -c "! grep -qe '$TA' -e '$TB' -e not-a-token -e '$(cat "$T/expired")' '$T/audit.log'"

# --- a directive's body trickled: cut at the head deadline --------------------------
# Its token is in the body, so a client with none could otherwise hold
# the connection for as long as it sends a byte now and then.
POLICY_TOP=$(caps) write_policy '"cam-1"' '"idle_timeout_ms": 2000'
is "a reload: a request's head and a directive's body get 2 s" "$(hup)" "policy in force"
t0=$(date +%s%3N)
{ printf 'POST /alexa/directive HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n'
  for _ in $(seq 20); do printf x 2>/dev/null || break; sleep 0.2; done; } |
	gnutls-cli --x509cafile "$T/pki/ca.crt" -p "$AP" 127.0.0.1 > "$T/slow-directive.out" 2>&1
lived=$(( $(date +%s%3N) - t0 ))
echo "# the trickled directive lived $lived ms (4 s of bytes, 2 s allowed)"
ok "a directive sent a byte every 200 ms is cut at its 2 s (+1 s)" \
	test "$lived" -ge 1700 -a "$lived" -le 3000
ok "unanswered" sh -c "! grep -q '^HTTP/' '$T/slow-directive.out'"
ok "lenscapd says why" grep -q 'assistant: request body not complete within 2000 ms' "$T/lenscapd.stderr"
M=$(port_of admin)
is "lenscap_bodies_late_total counts it" "$(metric 'lenscap_bodies_late_total{face="assistant"}')" 1

# --- every directive went through the forwarder, within 2 s ------------------------
nlogs=$(ls "$T/alexa/"*.log | wc -l)
times=$(sed -n 's/.*: lenscapd answered [0-9]* in \([0-9]*\) ms$/\1/p' "$T/alexa/"*.log)
echo "# lenscapd answered" $(echo "$times" | wc -w) "directives in (ms):" $times
is "each directive was answered by lenscapd" "$(echo "$times" | wc -w)" "$nlogs"
ok "each within 2 s" sh -c "! echo '$times' | awk '\$1 > 2000 { bad = 1 } END { exit !bad }'"
ok "the forwarder's log names no token" sh -c "! grep -qe '$TA' -e '$TB' -e not-a-token -e '$(cat "$T/expired")' '$T/alexa/'*.log"

# --- lenscapd down: the forwarder's own INTERNAL_ERROR -----------------------------
kill "$LENSCAPD_PID"; wait "$LENSCAPD_PID"
directive down initialize-camera-streams "$TA" cam-1
is "lenscapd down: INTERNAL_ERROR" "$(error_type down)" INTERNAL_ERROR
is "with the correlationToken" "$(jget down 'm["event"]["header"]["correlationToken"]')" "$CORR"
is "and the endpoint" "$(jget down 'm["event"]["endpoint"]["endpointId"]')" cam-1
ok "the forwarder logs lenscapd unreachable" grep -q 'lenscapd unreachable' "$T/alexa/down.log"
done_testing
