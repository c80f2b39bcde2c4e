#!/bin/bash
# Live HLS through lenscapd with real ffmpeg on both ends.  Two cameras
# of two homes (cam-1 of acct-1, cam-3 of acct-2) are ffmpeg encoding a
# test pattern and pushing a live HLS stream (-f hls -method PUT: each
# segment, then the sliding-window playlist again) through the camera
# face over TLS, each object sealed under its name's stream id; nginx
# stores them.  ffmpeg as acct-1's Nest Hub plays cam-1 through the
# assistant face over TLS, given only a capability URL, and decodes it.  Then the backend misbehaves:
# an object served under another name, a playlist left frozen past the
# freshness window, and a cache keyed by the file name alone that serves
# cam-3's objects for cam-1's names (the Xiaomi bug, live).
. "$top_srcdir/tests/integration/lib.sh"
command -v ffmpeg >/dev/null 2>&1 || skip_all "ffmpeg not installed"
setup_pki
# /frames/cdn/ is /frames/ (a link in the store) behind a cache keyed by
# the file name alone; /frames/ itself is not cached.
setup_name_cache
hls_route() { # FACE METHOD PATH-PART BACKEND-PART FRESHNESS
	printf ', { "face": "%s", "method": "%s", "path": "/v1/cameras/{device}/%s/{name}",
	  "backend": "/frames/%s/{device}/{name}", "media": "hls", "freshness_ms": %s,
	  "content_types": ["video/mp2t", "application/vnd.apple.mpegurl"] }' "$1" "$2" "$3" "$4" "$5"
}
routes() { # FRESHNESS of the assistant's routes
	POLICY_ROUTES="$(hls_route camera PUT hls hls 60000)$(hls_route assistant GET hls hls "$1")$(hls_route assistant GET cdn cdn/hls "$1")"
}
routes 60000
POLICY_TOKEN_ONLY="1 3"
# The player is a Nest Hub: it has only a capability URL, no token.
"$L" capability keygen -o "$T/pki/k1.cap" || bail "capability keygen"
POLICY_TOP='"capabilities": { "keys": [ { "id": "k1", "secret": "pki/k1.cap" } ] },'
write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)

# camera N SOURCE HLS_TIME SECONDS: ffmpeg as cam-N, pushing SOURCE live
# with its device token (ffmpeg's hls muxer hands no client certificate to
# the connections it opens for its objects, but it does hand -headers);
# its log in $T/cam-N.log.
camera() {
	ffmpeg -nostdin -hide_banner -loglevel info -re -f lavfi -i "$2=size=640x360:rate=25" \
		-t "$4" -c:v libx264 -preset ultrafast -g 25 -f hls -hls_time "$3" -hls_list_size 5 \
		-hls_flags delete_segments -method PUT -http_persistent 1 \
		-headers "Authorization: Bearer device-token-$1" \
		"https://127.0.0.1:$C/v1/cameras/cam-$1/hls/index.m3u8" > "$T/cam-$1.log" 2>&1
}
camera 1 testsrc 1 20 & CAM1=$!; PIDS="$PIDS $CAM1"
camera 3 testsrc2 2 20 & CAM3=$!; PIDS="$PIDS $CAM3"
for _ in $(seq 100); do
	[ -f "$T/store/frames/hls/cam-1/index3.ts" ] && [ -f "$T/store/frames/hls/cam-3/index1.ts" ] && break
	sleep 0.1
done
ok "the cameras' first segments are stored" test -f "$T/store/frames/hls/cam-1/index3.ts"

# --- ffmpeg plays cam-1 through the assistant face, given only a ---------------
# capability URL (no Authorization header), as a Cast receiver is
CAP=$("$L" capability mint -k "$T/pki/k1.cap" -i k1 -a acct-1 -d cam-1 -K hls -t 600000)
ok "a capability URL for acct-1's cam-1 is minted" test -n "$CAP"
play_hls "https://127.0.0.1:$A$CAP" 13
fetched=$(played_segments)
echo "# it fetched:" $fetched
ok "it fetched at least 8 segments" test "$(echo "$fetched" | wc -w)" -ge 8
# Each, fetched again through lenscapd (within the route's 60 s), is
# what the camera pushed: the
# store's object with its envelope opened (sealed for cam-1, its name's
# stream id).
same=0
for f in $fetched; do
	curl -s -o "$T/got/$f" --cacert "$T/pki/ca.crt" -H 'Authorization: Bearer token-of-account-1' \
		"https://127.0.0.1:$A/v1/cameras/cam-1/hls/$f"
	"$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/store/frames/hls/cam-1/$f" -o "$T/got/pushed" 2>/dev/null &&
		cmp -s "$T/got/$f" "$T/got/pushed" && same=$((same + 1))
done
is "every segment it fetched is byte-identical to what cam-1 pushed" "$same" "$(echo "$fetched" | wc -w)"
is "every object is sealed under its name's stream id" \
	"$("$L" inspect -i "$T/store/frames/hls/cam-1/index2.ts" | sed -n 's/.*"stream_id": "\([^"]*\)".*/\1/p')" \
	"n-$(printf index2.ts | sha256 | cut -c1-32)"
ok "the player's requests were all answered 200" sh -c "! grep -q 'HTTP error' '$T/player.log'"

# --- what ffmpeg sends, and what lenscapd answers ---------------------------------
wait "$CAM1"; is "camera cam-1 (ffmpeg) exits 0" "$?" 0
wait "$CAM3"; is "camera cam-3 (ffmpeg) exits 0" "$?" 0
# ffmpeg reads no answer to its last PUT before it exits.
for _ in $(seq 30); do [ -f "$T/store/frames/hls/cam-1/index19.ts" ] && break; sleep 0.1; done
ok "cam-1 pushed 20 segments" test -f "$T/store/frames/hls/cam-1/index19.ts"
# With delete_segments ffmpeg sends DELETE for each segment that leaves
# the window (15 of cam-1's, 5 of cam-3's): no route takes it, 404.
refused=$(metric 'lenscap_requests_total{face="camera",code="4xx"}')
echo "# camera face: ${refused:-no} answers 4xx"
ok "ffmpeg's DELETEs of old segments are answered 404 (at least 15)" test "${refused:-0}" -ge 15
ok "and the store keeps them (more than the window's 5)" \
	test "$(ls "$T/store/frames/hls/cam-1/" | grep -c '\.ts$')" -ge 15
for _ in $(seq 50); do
	"$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/store/frames/hls/cam-1/index.m3u8" 2>/dev/null |
		grep -q '^index19\.ts$' && break
	sleep 0.1
done
"$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/store/frames/hls/cam-1/index.m3u8" -o "$T/got/last.m3u8" 2>/dev/null
ok "the stored playlist is cam-1's last window" grep -q '^index19\.ts$' "$T/got/last.m3u8"
head_of() { # NAME: the headers of cam-1's NAME through the assistant face
	curl -s -D - -o /dev/null --cacert "$T/pki/ca.crt" -H 'Authorization: Bearer token-of-account-1' \
		"https://127.0.0.1:$A/v1/cameras/cam-1/hls/$1" | tr -d '\r'
}
is "a playlist is answered Cache-Control: no-store" \
	"$(head_of index.m3u8 | sed -n 's/^[Cc]ache-[Cc]ontrol: //p')" no-store
cc=$(head_of index19.ts | sed -n 's/^[Cc]ache-[Cc]ontrol: //p')
echo "# a segment: Cache-Control: $cc"
age=$(echo "$cc" | sed -n 's/^private, max-age=\([0-9]*\), immutable$/\1/p')
ok "a segment: private, max-age within the freshness window, immutable" \
	test -n "$age" -a "${age:-99}" -le 60

# --- the backend serves an object under another name ------------------------------
# index18.ts (fresh: the push has just ended) as index17.ts.
cp "$T/store/frames/hls/cam-1/index18.ts" "$T/store/frames/hls/cam-1/index17.ts" || bail cp
"$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/store/frames/hls/cam-1/index18.ts" -o "$T/got/index18.ts" 2>/dev/null
is "cam-1's index18.ts served for index17.ts: 502" \
	"$(curl -s -o "$T/got/x" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer token-of-account-1' "https://127.0.0.1:$A/v1/cameras/cam-1/hls/index17.ts")" 502
ok "no byte of it went out" sh -c "! cmp -s '$T/got/x' '$T/got/index18.ts' && grep -q 'frame refused' '$T/got/x'"
ok "audited as name_mismatch" grep -q '"event":"drop".*"reason":"name_mismatch"' "$T/audit.log"

# --- a frozen backend: the playlist stays the last one ---------------------------
# The push has ended; the store keeps serving cam-1's last playlist.  With
# a freshness window of 2 s, once it is older it is dropped as stale.
routes 2000
write_policy '"cam-1", "cam-2"'
is "a reload with a 2 s freshness window" "$(hup)" "policy in force"
sleep 2.5
is "the frozen playlist past the window: 502" \
	"$(curl -s -o "$T/got/x" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer token-of-account-1' "https://127.0.0.1:$A/v1/cameras/cam-1/hls/index.m3u8")" 502
ok "audited as stale" grep -q '"event":"drop".*"reason":"stale"' "$T/audit.log"
ok "no line of it went out" sh -c "! grep -q EXTM3U '$T/got/x'"
routes 60000
write_policy '"cam-1", "cam-2"'
is "the window back at 60 s" "$(hup)" "policy in force"

# --- the Xiaomi bug, live: a cache keyed by file name alone -----------------------
# The CDN has cached cam-3's playlist and segments under their names,
# which are cam-1's names too.
for f in index.m3u8 index0.ts index1.ts index2.ts index3.ts index4.ts index5.ts index6.ts; do
	curl -s -o /dev/null --cacert "$T/pki/ca.crt" "https://127.0.0.1:$FRONT/frames/cdn/hls/cam-3/$f"
done
foreign=0
for f in index.m3u8 index0.ts index1.ts index2.ts index3.ts; do
	backend_foreign cam-1 "/frames/cdn/hls/cam-1/$f" && foreign=$((foreign + 1))
done
is "the backend serves cam-3's objects for cam-1's names (the bug is live)" "$foreign" 5
ok "cam-3's playlist is its own (target duration 2)" \
	grep -q '^#EXT-X-TARGETDURATION:2$' "$T/store/frames/hls/cam-3/index.m3u8"
# own NAME FILE: whether FILE is cam-1's very object NAME (a playlist of
# cam-1 has target duration 1, cam-3's 2).
own() {
	case $1 in
	*.m3u8) grep -q '^#EXT-X-TARGETDURATION:1$' "$2" ;;
	*) "$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/store/frames/hls/cam-1/$1" 2>/dev/null | cmp -s - "$2" ;;
	esac
}
# acct-1's player on the cdn route: the playlist and cam-1's first names
# (as a player retrying would), three times over.
delivered=0; dropped=0; leaked=0; other=0
for _ in 1 2 3; do
	for f in index.m3u8 index0.ts index1.ts index2.ts index3.ts; do
		code=$(curl -s -o "$T/got/body" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
			-H 'Authorization: Bearer token-of-account-1' "https://127.0.0.1:$A/v1/cameras/cam-1/cdn/$f")
		# A byte of cam-3's: its segment's bytes, or its playlist.
		for g in index0.ts index1.ts index2.ts index3.ts; do
			"$L" open -k "$(ingest_opener)" -d cam-3 -i "$T/store/frames/hls/cam-3/$g" 2>/dev/null |
				cmp -s - "$T/got/body" && leaked=$((leaked + 1))
		done
		grep -aq '^#EXT-X-TARGETDURATION:2' "$T/got/body" && leaked=$((leaked + 1))
		tally "$code" "$T/got/body" own "$f"
	done
done
echo "# delivered $delivered, dropped $dropped, leaked $leaked, other $other"
is "acct-1's player received no byte of cam-3's segments or playlists" "$leaked" 0
ok "lenscapd dropped them" test "$dropped" -ge 10
is "every answer was a 502 problem or cam-1's own" "$other" 0
cdn_drops() { grep -c '"event":"drop".*"route":"[^"]*cdn[^"]*".*"reason":"device_mismatch"' "$T/audit.log"; }
for _ in $(seq 20); do [ "$(cdn_drops)" -ge "$dropped" ] && break; sleep 0.1; done
is "every drop is audited as device_mismatch" "$(cdn_drops)" "$dropped"
ok "metrics count the name and device drops" \
	test "$(metric 'lenscap_frames_dropped_total{reason="name_mismatch"}')" -ge 1 -a \
	     "$(metric 'lenscap_frames_dropped_total{reason="device_mismatch"}')" -ge "$dropped"
done_testing
