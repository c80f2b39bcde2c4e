#!/bin/bash
# Google Home end to end, with real parts: two homes, each with a camera
# (ffmpeg) pushing live HLS through the camera face (acct-1's cam-1,
# acct-2's cam-3, two test patterns); nginx as the vendor's store, behind
# a cache that keys segments by file name alone (the Xiaomi bug), on the
# very route that capability URLs take.  Home A's Nest Hub (curl with
# Google's request fixtures) syncs, queries and asks for a stream; ffmpeg
# plays the URL it is given, while the cache serves cam-3's segments for
# two of cam-1's names: the player gets only cam-1's, byte for byte.
# Then every refusal: home B's token, expired and forged JWTs, a reload
# that takes cam-1 away mid-view, DISCONNECT, malformed requests.
. "$top_srcdir/tests/integration/lib.sh"
for tool in ffmpeg jq; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
MINT="$top_builddir/tests/unit/jwt-tokens"
[ -x "$MINT" ] || bail "no $MINT"
FIX="$top_srcdir/tests/platform/fixtures"
setup_pki
# /frames/cdn/ is /frames/ (a link in the store) behind a cache that
# keys a segment by its file name alone; playlists and /frames/ itself
# are not cached.
setup_name_cache '[^/]+\.ts'
ISS=https://issuer.example
"$MINT" "$T" "$(date +%s)" "$ISS" lenscapd-id || bail "minting"
cp "$T/jwks-a.json" "$T/jwks.json"
"$L" capability keygen -o "$T/pki/k1.cap" || bail "capability keygen"

# The links lenscapd hands out start with PUBLIC; the test stands in for
# its DNS and fetches their paths at the port lenscapd picked.
PUBLIC=https://cams.vendor.example
# policy ACCT1_DEVICES ONLINE_MS: the scenario's policy.  On the
# assistant face the one hls route, so the capability route, is the one
# behind the cache.
policy() {
	POLICY_ROUTES=', { "face": "camera", "method": "PUT", "path": "/v1/cameras/{device}/hls/{name}",
	  "backend": "/frames/hls/{device}/{name}", "media": "hls", "freshness_ms": 60000,
	  "content_types": ["video/mp2t", "application/vnd.apple.mpegurl"] },
	{ "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/cdn/{name}",
	  "backend": "/frames/cdn/hls/{device}/{name}", "media": "hls", "freshness_ms": 60000,
	  "content_types": ["video/mp2t", "application/vnd.apple.mpegurl"] },
	{ "face": "assistant", "method": "POST", "path": "/google/fulfillment",
	  "platform": "google", "public_url": "'"$PUBLIC"'", "online_ms": '"$2"' }'
	write_policy "$1"
}
POLICY_TOKEN_ONLY="1 3"
POLICY_TOP='"capabilities": { "keys": [ { "id": "k1", "secret": "pki/k1.cap" } ] },'
POLICY_SESSIONS=", \"jwt\": { \"issuer\": \"$ISS\", \"audience\": \"lenscapd-id\",
	\"jwks\": \"jwks.json\" }"
# acct-1 has cam-1 and cam-2, which never pushes; acct-2 cam-3 and cam-4.
policy '"cam-1", "cam-2"' 60000
ok "lenscapd -t accepts the policy" "$LENSCAPD" -t -c "$T/policy.json"
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)

TOKEN_A=token-of-account-1
TOKEN_B=token-of-account-2
# google FIXTURE TOKEN [DEV_A [DEV_B]]: POSTs the fixture, with its
# devices cam-a and cam-b named DEV_A and DEV_B (default cam-1 and
# cam-2), to the fulfillment route as Google does (the token as bearer;
# none if empty); prints the status.  The answer in $T/got/answer, its
# headers in $T/got/head; every status in $T/statuses.
google() {
	sed -e "s/cam-a/${3:-cam-1}/g" -e "s/cam-b/${4:-cam-2}/g" "$FIX/$1.json" > "$T/request.json"
	post "$2" "$T/request.json"
}
post() { # TOKEN FILE [CURL-OPTION...]: as google(), with the request in FILE
	local code
	code=$(curl -s -o "$T/got/answer" -D "$T/got/head" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		${1:+-H "Authorization: Bearer $1"} -H 'Content-Type: application/json' "${@:3}" \
		--data-binary @"$2" "https://127.0.0.1:$A/google/fulfillment")
	echo "$code" >> "$T/statuses"
	echo "$code"
}
# q FILTER: jq's answer on the last answer, compact.
q() { jq -c "$1" "$T/got/answer"; }
# path_of URL: the path of a link lenscapd handed out, when it starts
# with PUBLIC; else nothing.
path_of() { case $1 in "$PUBLIC"/*) echo "${1#"$PUBLIC"}" ;; esac; }
# fetch PATH [OUT]: GET PATH on the assistant face with no token, as a
# Cast receiver does; the status.
fetch() {
	curl -s -o "${2:-$T/got/body}" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		"https://127.0.0.1:$A$1"
}
intents() { grep -c '"event":"intent"' "$T/audit.log"; }

# --- SYNC: each home sees its own cameras -------------------------------------
is "SYNC with home A's token: 200" "$(google google-sync "$TOKEN_A")" 200
is "it keeps the requestId" "$(q .requestId)" '"ff36a3cc-ec34-11e6-b1a0-64510650abcf"'
is "agentUserId is the account" "$(q .payload.agentUserId)" '"acct-1"'
is "it lists acct-1's cameras" "$(q '[.payload.devices[].id]')" '["cam-1","cam-2"]'
is "each a CAMERA with CameraStream, HLS, no auth token" \
	"$(q '[.payload.devices[] | [.type, .traits, .attributes.cameraStreamSupportedProtocols,
		.attributes.cameraStreamNeedAuthToken]] | unique')" \
	'[["action.devices.types.CAMERA",["action.devices.traits.CameraStream"],["hls"],false]]'
ok "nothing of cam-3 or cam-4 anywhere in it" sh -c "! grep -q 'cam-[34]' '$T/got/answer'"
ok "the audit line: SYNC of acct-1, 2 devices" \
	grep -q '"event":"intent".*"account":"acct-1".*"detail":"SYNC: asked 0, answered 2, status 200"' "$T/audit.log"
is "SYNC with a JWT of acct-1: 200" "$(google google-sync "$(cat "$T/ok-ed")")" 200
is "the same cameras" "$(q '[.payload.devices[].id]')" '["cam-1","cam-2"]'
is "SYNC with home B's token: 200" "$(google google-sync "$TOKEN_B")" 200
is "acct-2's cameras" "$(q '[.payload.agentUserId, [.payload.devices[].id]]')" '["acct-2",["cam-3","cam-4"]]'
ok "nothing of cam-1 or cam-2 in it" sh -c "! grep -q 'cam-[12]' '$T/got/answer'"

# --- before cam-1 pushes: offline ----------------------------------------------
is "QUERY before any push: 200" "$(google google-query "$TOKEN_A")" 200
is "cam-1 and cam-2 are offline" "$(q .payload.devices)" \
	'{"cam-1":{"online":false,"status":"SUCCESS"},"cam-2":{"online":false,"status":"SUCCESS"}}'
is "EXECUTE for cam-1 before it pushes: 200" "$(google google-execute "$TOKEN_A")" 200
is "deviceOffline" "$(q .payload.commands)" '[{"ids":["cam-1"],"status":"ERROR","errorCode":"deviceOffline"}]'

# --- the cameras ----------------------------------------------------------------
# camera N SOURCE SECONDS [OPTION...]: ffmpeg as cam-N, pushing SOURCE
# live (1 s segments) with its device token; its log in $T/cam-N.log.
# Run in the background only: ffmpeg replaces the subshell, so that $!
# is its pid.
camera() {
	local n=$1 src=$2 secs=$3
	shift 3
	exec ffmpeg -nostdin -hide_banner -loglevel info -re -f lavfi -i "$src=size=640x360:rate=25" \
		-t "$secs" -c:v libx264 -preset ultrafast -g 25 -f hls -hls_time 1 -hls_list_size 5 \
		-hls_flags delete_segments "$@" -method PUT -http_persistent 1 \
		-headers "Authorization: Bearer device-token-$n" \
		"https://127.0.0.1:$C/v1/cameras/cam-$n/hls/index.m3u8" > "$T/cam-$n.log" 2>&1
}
# cam-3's first segment is index8.ts: its index8.ts and index9.ts are
# pushed before cam-1 begins, and cam-1 makes those names 8 and 9 s in.
camera 3 testsrc2 60 -start_number 8 & CAM3=$!; PIDS="$PIDS $CAM3"
S="$T/store/frames/hls"

# --- refusals, while the cameras start ------------------------------------------
# normal: an answer with the asked-for id replaced by ID, its headers
# but Date.
normal() { # ID
	sed "s/\"$1\"/\"ID\"/g" "$T/got/answer"
	tr -d '\r' < "$T/got/head" | grep -vi '^date:'
}
for intent in execute query; do
	is "home B's EXECUTE/QUERY for cam-1 ($intent): 200" "$(google "google-$intent" "$TOKEN_B" cam-1 cam-1)" 200
	normal cam-1 > "$T/got/cam-1.$intent"
	is "home B's for cam-9, which does not exist ($intent): 200" \
		"$(google "google-$intent" "$TOKEN_B" cam-9 cam-9)" 200
	normal cam-9 > "$T/got/cam-9.$intent"
	ok "the two answers are byte-identical, headers too ($intent)" \
		cmp "$T/got/cam-1.$intent" "$T/got/cam-9.$intent"
done
ok "the EXECUTE answer: deviceNotFound" \
	grep -q '"commands":\[{"ids":\["ID"\],"status":"ERROR","errorCode":"deviceNotFound"}\]' "$T/got/cam-1.execute"
ok "the QUERY answer: deviceNotFound, once" \
	grep -q '"devices":{"ID":{"status":"ERROR","errorCode":"deviceNotFound"}}' "$T/got/cam-1.query"
ok "audited: EXECUTE of acct-2, asked 1, answered 0" \
	grep -q '"event":"intent".*"account":"acct-2".*"detail":"EXECUTE: asked 1, answered 0, status 200"' "$T/audit.log"

# refused TOKEN DESCRIPTION: SYNC with TOKEN is a 401 with authFailure.
refused() {
	is "$2: 401" "$(google google-sync "$1")" 401
	is "$2: errorCode authFailure, the requestId kept" "$(q '[.requestId, .payload.errorCode]')" \
		'["ff36a3cc-ec34-11e6-b1a0-64510650abcf","authFailure"]'
}
refused "$(cat "$T/expired")" "an expired JWT"
ok "audited as expired" grep -q '"event":"auth_failure".*"detail":"jwt: expired"' "$T/audit.log"
refused "$(cat "$T/forged")" "a forged JWT"
ok "audited as a bad signature" grep -q '"event":"auth_failure".*"detail":"jwt: bad signature"' "$T/audit.log"
refused "" "no token"
refused "token-of-nobody" "an unknown token"
ok "no token in the audit trail" sh -c "! grep -qF '$(cut -c1-40 "$T/forged")' '$T/audit.log'"

# malformed FILE STATUS CODE DESCRIPTION [CURL-OPTION...]: home A's
# request in FILE is refused with STATUS and errorCode CODE.
malformed() {
	is "$4: $2" "$(post "$TOKEN_A" "$1" "${@:5}")" "$2"
	is "$4: errorCode $3" "$(q .payload.errorCode)" "\"$3\""
}
printf '{"requestId": "r-1", "inputs": [ {"intent": "action.devices.SYNC"} ]' > "$T/bad.json"
malformed "$T/bad.json" 400 protocolError "malformed JSON"
ok "audited as refused" grep -q '"event":"refused".*"detail":"not a JSON object"' "$T/audit.log"
sed 's/action.devices.SYNC/action.devices.REBOOT/' "$FIX/google-sync.json" > "$T/bad.json"
malformed "$T/bad.json" 400 notSupported "an unknown intent"
is "it keeps the requestId" "$(q .requestId)" '"ff36a3cc-ec34-11e6-b1a0-64510650abcf"'
jq 'del(.requestId)' "$FIX/google-sync.json" > "$T/bad.json"
malformed "$T/bad.json" 400 protocolError "no requestId"
{ printf '{"requestId": "r-1", "inputs": [ {"intent": "action.devices.SYNC"} ], "pad": "'
  head -c 66000 /dev/zero | tr '\0' x; printf '"}'; } > "$T/big.json"
# Refused on its Content-Length, before a byte of it is read.  With
# Expect: 100-continue curl waits for that answer; without, it is still
# sending when the answer comes and the connection closes, and may see
# the close first.
malformed "$T/big.json" 413 protocolError "a body over 64 KiB (Expect: 100-continue)" \
	-H 'Expect: 100-continue'
code=$(post "$TOKEN_A" "$T/big.json")
ok "the same without Expect: 413 or the connection closed (got $code)" test "$code" = 413 -o "$code" = 000
ok "audited as over the limit" grep -q '"event":"refused".*"detail":"body over the limit"' "$T/audit.log"
chunked() { # FILE: POSTs FILE with no length, as home A; the status
	curl -s -o "$T/got/answer" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H "Authorization: Bearer $TOKEN_A" -H 'Transfer-Encoding: chunked' \
		--data-binary @"$1" "https://127.0.0.1:$A/google/fulfillment"
}
# Platform routes take a body with a Content-Length only: a chunked one
# could not be answered once past the limit (libmicrohttpd takes no
# answer in the middle of a body), so it is refused at its head.
is "a chunked body, even a small one: 400" "$(chunked "$FIX/google-sync.json")" 400
ok "refused at its framing, audited" \
	grep -q '"event":"deny".*"detail":"a request body where none is taken"' "$T/audit.log"
# A body on any other route: 400, and the connection is closed (the
# request after it on the same curl needs a new one); a GET first, to
# show that curl does reuse a connection that stays open.
conns() { # PATH CURL-OPTION...: the status of a request to PATH, and
	# the connections a GET after it made
	local path=$1
	shift
	curl -s -o /dev/null -w '%{http_code} ' --cacert "$T/pki/ca.crt" "$@" "https://127.0.0.1:$A$path" \
		--next -s -o /dev/null -w '%{num_connects}' --cacert "$T/pki/ca.crt" "https://127.0.0.1:$A/nowhere"
}
is "a GET, then a GET: one connection" "$(conns /nowhere)" "404 0"
is "a POST with a body to the snapshot route: 400, then a new connection" \
	"$(conns /v1/cameras/cam-1/snapshot -H "Authorization: Bearer $TOKEN_A" \
		-H 'Content-Type: application/json' --data-binary @"$FIX/google-sync.json")" "400 1"
ok "audited as a body where none is taken" \
	grep -q '"event":"deny".*"detail":"a request body where none is taken"' "$T/audit.log"

# --- cam-1 pushes ---------------------------------------------------------------
for _ in $(seq 150); do [ -f "$S/cam-3/index9.ts" ] && break; sleep 0.1; done
ok "cam-3's first segments are stored" test -f "$S/cam-3/index9.ts"
# The cache takes cam-3's index8.ts and index9.ts, which are cam-1's
# names too: from now on the backend serves them for cam-1's.
for f in index8.ts index9.ts; do
	curl -s -o /dev/null --cacert "$T/pki/ca.crt" "https://127.0.0.1:$FRONT/frames/cdn/hls/cam-3/$f"
done
camera 1 testsrc 60 & CAM1=$!; PIDS="$PIDS $CAM1"
for _ in $(seq 150); do [ -f "$S/cam-1/index1.ts" ] && break; sleep 0.1; done
ok "cam-1's first segments are stored" test -f "$S/cam-1/index1.ts"
ok "cam-1 has not pushed index8.ts yet" test ! -f "$S/cam-1/index8.ts"
foreign=0
for f in index8.ts index9.ts; do
	backend_foreign cam-1 "/frames/cdn/hls/cam-1/$f" &&
		"$L" inspect -i "$T/got/direct" | grep -q '"device": "cam-3"' && foreign=$((foreign + 1))
done
is "the backend serves cam-3's index8.ts and index9.ts for cam-1's" "$foreign" 2

is "QUERY while cam-1 pushes: 200" "$(google google-query "$TOKEN_A")" 200
is "cam-1 online, cam-2 (never pushed) not" "$(q .payload.devices)" \
	'{"cam-1":{"online":true,"status":"SUCCESS"},"cam-2":{"online":false,"status":"SUCCESS"}}'
ok "audited: QUERY of acct-1, asked 2, answered 2" \
	grep -q '"event":"intent".*"account":"acct-1".*"detail":"QUERY: asked 2, answered 2, status 200"' "$T/audit.log"
is "EXECUTE for cam-1 and cam-3: 200" "$(google google-execute-two "$TOKEN_A" cam-1 cam-3)" 200
is "cam-1 gets a stream, cam-3 deviceNotFound" "$(q '[.payload.commands[] | [.ids, .status, .errorCode]]')" \
	'[[["cam-1"],"SUCCESS",null],[["cam-3"],"ERROR","deviceNotFound"]]'
is "EXECUTE OnOff: functionNotSupported" \
	"$(google google-execute-unknown-command "$TOKEN_A" >/dev/null; q '.payload.commands[0].errorCode')" '"functionNotSupported"'
is "EXECUTE for cam-2 (offline): deviceOffline" \
	"$(google google-execute "$TOKEN_A" cam-2 >/dev/null; q '.payload.commands[0].errorCode')" '"deviceOffline"'
is "EXECUTE GetCameraStream for cam-1: 200" "$(google google-execute "$TOKEN_A")" 200
is "SUCCESS, protocol hls" "$(q '.payload.commands[0] | [.ids, .status, .states.cameraStreamProtocol]')" \
	'[["cam-1"],"SUCCESS","hls"]'
URL1=$(jq -r '.payload.commands[0].states.cameraStreamAccessUrl' "$T/got/answer")
CAP1=$(path_of "$URL1")
echo "# the stream URL: $URL1"
ok "the URL is the public_url's, a capability's playlist" \
	sh -c "echo '$CAP1' | grep -Eq '^/s/[^/]+/index\.m3u8\$'"
ok "audited: EXECUTE of acct-1, asked 1, answered 1" \
	grep -q '"event":"intent".*"account":"acct-1".*"detail":"EXECUTE: asked 1, answered 1, status 200"' "$T/audit.log"

# --- the Nest Hub plays it (ffmpeg, no token) -------------------------------------
# From the oldest segment the playlist names: index8.ts is still ahead
# even if the checks above took long on a busy machine.
play_hls "https://127.0.0.1:$A$CAP1" 15 -live_start_index 0
opened=$(played_segments)
failed=$(sed -n 's/.*Failed to open segment \([0-9]*\) of playlist.*/index\1.ts/p' "$T/player.log" | sort -u)
echo "# it asked for:" $opened
echo "# and was refused:" $failed
ok "it asked for at least 10 segments" test "$(echo "$opened" | wc -w)" -ge 10
is "it was refused exactly the two cam-3 holds in the cache" "$(echo "$failed" | paste -sd' ')" \
	"index8.ts index9.ts"
ok "each with a 502" test "$(grep -c 'HTTP error 502' "$T/player.log")" -ge 2
# What it was given, fetched again on its URL: cam-1's own segment, the
# store's object with its envelope opened, byte for byte; for the names
# the cache holds cam-3's, a 502 problem with nothing of cam-3's.
same=0; delivered=0; dropped=0; leaked=0; other=0
# mine NAME BODY: whether BODY is cam-1's own NAME, as pushed.
mine() {
	"$L" open -k "$(ingest_opener)" -d cam-1 -i "$S/cam-1/$1" -o "$T/got/pushed" 2>/dev/null &&
		cmp -s "$T/got/pushed" "$2"
}
for f in $opened; do
	code=$(fetch "${CAP1%index.m3u8}$f" "$T/got/seg")
	"$L" open -k "$(ingest_opener)" -d cam-3 -i "$S/cam-3/$f" -o "$T/got/theirs" 2>/dev/null &&
		cmp -s "$T/got/theirs" "$T/got/seg" && leaked=$((leaked + 1))
	tally "$code" "$T/got/seg" mine "$f"
	[ "$code" = 200 ] && mine "$f" "$T/got/seg" && same=$((same + 1))
done
echo "# fetched again: delivered $delivered, dropped $dropped, leaked $leaked, other $other"
is "every segment it was given is byte-identical to what cam-1 pushed" "$same" \
	"$(( $(echo "$opened" | wc -w) - 2 ))"
is "the two names the cache holds cam-3's for are dropped (502)" "$dropped" 2
is "leaks: not one byte of cam-3's" "$leaked" 0
is "every answer was cam-1's own or a 502 problem" "$other" 0
ok "cam-1's own index8.ts is in the store by now" mine index8.ts "$T/got/pushed"
backend_foreign cam-1 /frames/cdn/hls/cam-1/index8.ts
ok "and the backend still serves cam-3's for it" \
	sh -c "'$L' inspect -i '$T/got/direct' | grep -q '\"device\": \"cam-3\"'"
cdn_drops() { grep -c '"event":"drop".*"account":"acct-1","device":"cam-1".*"reason":"device_mismatch"' "$T/audit.log"; }
ok "each drop audited as device_mismatch (the player's 2, and 2 again)" test "$(cdn_drops)" -ge 4

# --- a reload takes cam-1 away in the middle of a view ------------------------------
is "EXECUTE again: 200" "$(google google-execute "$TOKEN_A")" 200
CAP2=$(path_of "$(jq -r '.payload.commands[0].states.cameraStreamAccessUrl' "$T/got/answer")")
ffmpeg -nostdin -hide_banner -loglevel verbose -i "https://127.0.0.1:$A$CAP2" -t 40 -f null - \
	> "$T/player2.log" 2>&1 & PLAYER=$!; PIDS="$PIDS $PLAYER"
for _ in $(seq 150); do
	[ "$(grep -c "Opening '.*\.ts' for reading" "$T/player2.log")" -ge 4 ] && break
	sleep 0.1
done
ok "a second view is playing (4 segments in)" \
	test "$(grep -c "Opening '.*\.ts' for reading" "$T/player2.log")" -ge 4
at=$(wc -l < "$T/player2.log")
policy '"cam-2"' 60000
is "a reload that takes cam-1 from acct-1" "$(hup)" "policy in force"
relayed=$(metric lenscap_frames_relayed_total)
for _ in $(seq 150); do kill -0 "$PLAYER" 2>/dev/null || break; sleep 0.1; done
ok "the player gave up" sh -c "! kill -0 $PLAYER 2>/dev/null"
kill "$PLAYER" 2>/dev/null; wait "$PLAYER" 2>/dev/null
tail -n "+$((at + 1))" "$T/player2.log" > "$T/player2.after"
ok "after the reload, its next request was refused (404)" grep -q 'HTTP error 404' "$T/player2.after"
ok "before it, none was" sh -c "! head -n '$at' '$T/player2.log' | grep -q 'HTTP error'"
ok "frames were relayed before it ($relayed)" test "${relayed:-0}" -ge 15
is "and not one frame was relayed since" "$(metric lenscap_frames_relayed_total)" "$relayed"
ok "audited as deny, not_granted, for acct-1's cam-1" sh -c \
	"sed -n '/\"event\":\"reload\"/h; /\"event\":\"reload\"/,\$p' '$T/audit.log' | tail -n +2 |
	 grep -q '\"event\":\"deny\".*\"account\":\"acct-1\",\"device\":\"cam-1\".*\"reason\":\"not_granted\"'"
is "SYNC now: acct-1 has only cam-2" "$(google google-sync "$TOKEN_A" >/dev/null; q '[.payload.devices[].id]')" \
	'["cam-2"]'
policy '"cam-1", "cam-2"' 60000
is "cam-1 given back" "$(hup)" "policy in force"

# --- DISCONNECT: every URL minted before it is refused ------------------------------
is "the first URL plays again (200)" "$(fetch "$CAP1")" 200
is "home B gets a stream of cam-3" "$(google google-execute "$TOKEN_B" cam-3)" 200
CAPB=$(path_of "$(jq -r '.payload.commands[0].states.cameraStreamAccessUrl' "$T/got/answer")")
is "DISCONNECT by home A: 200" "$(google google-disconnect "$TOKEN_A")" 200
is "answered {}" "$(q .)" '{}'
ok "audited: DISCONNECT of acct-1" \
	grep -q '"event":"intent".*"account":"acct-1".*"detail":"DISCONNECT: asked 0, answered 0, status 200"' "$T/audit.log"
is "the first URL: 404" "$(fetch "$CAP1")" 404
is "the second URL: 404" "$(fetch "$CAP2")" 404
ok "audited as revoked" grep -q '"detail":"capability revoked: account unlinked"' "$T/audit.log"
is "home B's URL still plays (200)" "$(fetch "$CAPB")" 200
ok "cam-3's playlist" grep -q '^index[0-9]*\.ts$' "$T/got/body"
is "EXECUTE after DISCONNECT: 200" "$(google google-execute "$TOKEN_A")" 200
CAP3=$(path_of "$(jq -r '.payload.commands[0].states.cameraStreamAccessUrl' "$T/got/answer")")
is "the new URL plays (200)" "$(fetch "$CAP3" "$T/got/playlist")" 200
last=$(grep '^index[0-9]*\.ts$' "$T/got/playlist" | tail -n 1)
is "and its newest segment, $last (200)" "$(fetch "${CAP3%index.m3u8}$last" "$T/got/seg")" 200
ok "is cam-1's own, byte for byte" mine "$last" "$T/got/seg"

# --- online_ms 0: every camera is online --------------------------------------------
policy '"cam-1", "cam-2"' 0
is "a reload with online_ms 0" "$(hup)" "policy in force"
is "QUERY: 200" "$(google google-query "$TOKEN_A")" 200
is "cam-2, which never pushed, is online" "$(q '.payload.devices["cam-2"]')" '{"online":true,"status":"SUCCESS"}'
is "and gets a stream URL" \
	"$(google google-execute "$TOKEN_A" cam-2 >/dev/null; q '.payload.commands[0].status')" '"SUCCESS"'

# --- one audit line per request answered ---------------------------------------------
is "one intent line per request answered" "$(intents)" "$(grep -c '^200$' "$T/statuses")"
is "each names its account, its intent and its counts" \
	"$(grep '"event":"intent"' "$T/audit.log" |
		grep -vc '"account":"acct-[12]",.*"detail":"[A-Z]*: asked [0-9]*, answered [0-9]*, status 200"')" 0
kill "$CAM1" "$CAM3" 2>/dev/null
wait "$CAM1" "$CAM3" 2>/dev/null
done_testing
