#!/bin/bash
# HLS through lenscapd, against the Xiaomi bug: six cameras upload
# segments and a playlist each through the camera face (each sealed for
# its device); nginx stores them and fronts them with a cache keyed by
# the file name alone, so that every device's "index.m3u8" and "seg-0.ts"
# are one cache entry.  Each account's player fetches its cameras'
# playlists and the segments they name through the assistant face.  The
# backend serves foreign playlists and segments; lenscapd must deliver
# none, and a playlist that names anything but segments beside it is
# refused on both faces.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
NAME_CACHE='proxy_cache stills; proxy_cache_valid 200 1h; set $file "";
	if ($uri ~ "([^/]+)$") { set $file $1; }
	proxy_cache_key "by-name-only $file";'
setup_nginx "$NAME_CACHE" ""
hls_route() { # FACE METHOD
	printf ', { "face": "%s", "method": "%s", "path": "/v1/cameras/{device}/hls/{name}",
	  "backend": "/frames/hls/{device}/{name}", "media": "hls", "freshness_ms": 600000,
	  "content_types": ["video/mp2t", "video/mp4", "application/vnd.apple.mpegurl"] }' "$1" "$2"
}
POLICY_ROUTES="$(hls_route camera PUT)$(hls_route assistant GET)"
write_policy '"cam-1", "cam-2"'
ok "lenscapd -t accepts hls routes with {name}" "$LENSCAPD" -t -c "$T/policy.json"
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)

# segment DEVICE N: a synthetic segment (188-byte TS packets) that
# carries its true device; playlist DEVICE: one naming two segments.
segment() {
	printf 'G@\021\020lenscap-truth device=%-8s segment=%-4s' "$1" "$2"
	head -c 142 /dev/urandom # the first packet's 188 bytes, then 19 more
	for _ in $(seq 19); do printf G; head -c 187 /dev/urandom; done
}
playlist() {
	printf '#EXTM3U\n# lenscap-truth device=%s\n#EXT-X-VERSION:3\n' "$1"
	printf '#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n'
	printf '#EXTINF:2.000,\nseg-0.ts\n#EXTINF:2.000,\nseg-1.ts\n'
}
upload() { # CERT DEVICE NAME TYPE FILE -> HTTP status
	curl -s -o "$T/got/upload" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		--cert "$T/pki/$1.crt" --key "$T/pki/$1.key" \
		-X PUT -H "Content-Type: $4" --data-binary @"$5" \
		"https://127.0.0.1:$C/v1/cameras/$2/hls/$3"
}
TS=video/mp2t M3U8=application/vnd.apple.mpegurl

# --- cameras upload ---------------------------------------------------------
stored=0
for n in 1 2 3 4 5 6; do
	for s in 0 1; do
		segment "cam-$n" "$s" > "$T/frames/cam-$n-seg-$s.ts"
		[ "$(upload "cam-$n" "cam-$n" "seg-$s.ts" $TS "$T/frames/cam-$n-seg-$s.ts")" = 201 ] &&
			stored=$((stored + 1))
	done
	playlist "cam-$n" > "$T/frames/cam-$n.m3u8"
	[ "$(upload "cam-$n" "cam-$n" index.m3u8 $M3U8 "$T/frames/cam-$n.m3u8")" = 201 ] &&
		stored=$((stored + 1))
done
is "six cameras stored two segments and a playlist each (201)" "$stored" 18
ok "the store holds cam-4's playlist sealed for cam-4, kind hls" \
	sh -c "'$L' inspect -i '$T/store/frames/hls/cam-4/index.m3u8' | grep -q '\"kind\": \"hls\"' &&
	       '$L' open -k '$(ingest_opener)' -d cam-4 -i '$T/store/frames/hls/cam-4/index.m3u8' |
	       cmp -s - '$T/frames/cam-4.m3u8'"

# --- playlists that could send a player elsewhere are refused -----------------
bad_playlist() { # the line that makes it bad
	printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n%s\n#EXTINF:2.000,\nseg-0.ts\n' "$1" > "$T/frames/bad.m3u8"
	upload cam-1 cam-1 index.m3u8 $M3U8 "$T/frames/bad.m3u8"
}
is "a playlist naming an absolute URL: 422" \
	"$(bad_playlist '#EXTINF:2.000,
https://elsewhere.example/seg.ts')" 422
ok "the 422 is a problem" grep -q '"title":"playlist refused"' "$T/got/upload"
is "a playlist naming another camera's segment: 422" \
	"$(bad_playlist '#EXTINF:2.000,
../../cam-3/hls/seg-0.ts')" 422
is "a playlist with a key URI: 422" "$(bad_playlist '#EXT-X-KEY:METHOD=AES-128,URI="https://k.example/k"')" 422
is "a master playlist: 422" "$(bad_playlist '#EXT-X-STREAM-INF:BANDWIDTH=1
other.m3u8')" 422
is "the refusals are audited with their line" \
	"$(grep -c '"event":"deny".*"detail":"playlist refused: line [0-9]*: ' "$T/audit.log")" 4
"$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/store/frames/hls/cam-1/index.m3u8" -o "$T/got/stored" 2>/dev/null
ok "cam-1's stored playlist is still its good one" cmp -s "$T/got/stored" "$T/frames/cam-1.m3u8"
is "a playlist labelled as a segment: 422" \
	"$(bad_playlist '#EXTINF:2.000,
https://elsewhere.example/seg.ts' >/dev/null; upload cam-1 cam-1 seg-0.ts $TS "$T/frames/bad.m3u8")" 422
ok "the 422 says segment" grep -q '"title":"segment refused"' "$T/got/upload"
ok "audited as no segment of its label" \
	grep -q '"event":"deny".*"detail":"segment refused: labelled video/mp2t: not MPEG-TS' "$T/audit.log"
# What a player skips before it looks for '#' (VT, FF, FS..US, U+2000..
# U+200A, U+3000, after a byte order mark or not): a playlist behind any
# of it is no segment, whatever its label.
SNIFFED='\v \f \034 \035 \036 \037 \342\200\200 \342\200\205 \342\200\212 \343\200\200
	\357\273\277\v \357\273\277\037 \357\273\277\342\200\200 \357\273\277\040\343\200\200'
sniffed() { # LEAD: a playlist naming an absolute URL behind LEAD
	printf "$1"'#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttps://elsewhere.example/x.ts\n'
}
refused=0 tried=0
for lead in $SNIFFED; do
	sniffed "$lead" > "$T/frames/sniffed.ts"
	for type in $TS video/mp4; do
		tried=$((tried + 1))
		[ "$(upload cam-1 cam-1 seg-0.ts "$type" "$T/frames/sniffed.ts")" = 422 ] &&
			refused=$((refused + 1))
	done
done
is "a playlist behind what a player skips, as a segment: 422" "$refused" "$tried"
is "each audited" "$(grep -c '"event":"deny".*"detail":"segment refused: labelled video/mp2t: not MPEG-TS' "$T/audit.log")" \
	$((tried / 2 + 1))
"$L" open -k "$(ingest_opener)" -d cam-1 -i "$T/store/frames/hls/cam-1/seg-0.ts" -o "$T/got/stored" 2>/dev/null
ok "cam-1's stored seg-0.ts is still its good one" cmp -s "$T/got/stored" "$T/frames/cam-1-seg-0.ts"
is "a segment as image/jpeg: 415" "$(upload cam-1 cam-1 seg-9.ts image/jpeg "$T/frames/cam-1-seg-0.ts")" 415
is "cam-2 uploading for cam-1: 403" "$(upload cam-2 cam-1 seg-9.ts $TS "$T/frames/cam-2-seg-0.ts")" 403
is "a name that is not one segment: 404" \
	"$(curl -s -o /dev/null -w '%{http_code}' --path-as-is --cacert "$T/pki/ca.crt" \
		--cert "$T/pki/cam-1.crt" --key "$T/pki/cam-1.key" -X PUT -H "Content-Type: $TS" \
		--data-binary @"$T/frames/cam-1-seg-0.ts" "https://127.0.0.1:$C/v1/cameras/cam-1/hls/..")" 404

# --- players fetch through lenscapd -------------------------------------------
fetch() { # TOKEN DEVICE NAME OUT -> HTTP status
	curl -s -o "$4" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H "Authorization: Bearer $1" "https://127.0.0.1:$A/v1/cameras/$2/hls/$3"
}
# own DEVICE NAME FILE: whether FILE is the very object DEVICE uploaded.
own() {
	case $2 in
	*.m3u8) cmp -s "$3" "$T/frames/$1.m3u8" ;;
	*) cmp -s "$3" "$T/frames/$1-$2" ;;
	esac
}
delivered=0; dropped=0; leaked=0; other=0
for a in 1 2 3; do
	for n in $(( 2 * a - 1 )) $(( 2 * a )); do
		names="index.m3u8"
		code=$(fetch "token-of-account-$a" "cam-$n" index.m3u8 "$T/got/pl")
		if [ "$code" = 200 ]; then
			names="$names $(grep -v '^#' "$T/got/pl")"
		else
			names="$names seg-0.ts seg-1.ts" # a player would retry; fetch them anyway
		fi
		for f in $names; do
			if [ "$f" = index.m3u8 ]; then
				cp "$T/got/pl" "$T/got/body"
			else
				code=$(fetch "token-of-account-$a" "cam-$n" "$f" "$T/got/body")
			fi
			tally "$code" "$T/got/body" own "cam-$n" "$f"
		done
	done
done
# The proof that the test bites: the backend serves foreign objects.
foreign=0
for n in 1 2 3 4 5 6; do
	for f in index.m3u8 seg-0.ts seg-1.ts; do
		backend_foreign "cam-$n" "/frames/hls/cam-$n/$f" && foreign=$((foreign + 1))
	done
done
echo "# delivered $delivered, dropped $dropped, backend foreign $foreign/18, leaked $leaked"
is "playlists and segments delivered to the wrong session" "$leaked" 0
ok "the backend serves foreign playlists and segments (the bug is live)" test "$foreign" -ge 10
ok "lenscapd dropped them" test "$dropped" -ge 10
ok "and delivered the right ones" test "$delivered" -ge 3
is "every answer was 200 or a 502 problem" "$other" 0
is "18 objects asked for" "$((delivered + dropped))" 18
is "every drop is audited as device_mismatch" \
	"$(grep -c '"event":"drop".*"reason":"device_mismatch"' "$T/audit.log")" "$dropped"
is "another account's camera: 404" "$(fetch token-of-account-1 cam-3 seg-0.ts "$T/got/x")" 404
# A segment the store does not have: nginx answers 404 with an HTML page,
# which is no frame to judge: 404, not a drop.
drops=$(grep -c '"event":"drop"' "$T/audit.log")
is "a segment the backend does not have: 404" "$(fetch token-of-account-1 cam-1 seg-99.ts "$T/got/x")" 404
is "and no drop for its error page" "$(grep -c '"event":"drop"' "$T/audit.log")" "$drops"

# --- a playlist sealed elsewhere is checked before it is served -----------------
# A camera that seals itself (here: with the trusted ingest key, straight
# into the store, each object under its name's stream id, -N) is not seen
# by the camera face's check.
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nhttps://elsewhere.example/x.ts\n' |
	"$L" seal -k "$T/pki/ingest.sec" -d cam-2 -K hls -N evil.m3u8 -c $M3U8 -o "$T/got/evil.lcf" || bail seal
curl -s -o /dev/null -X PUT --data-binary @"$T/got/evil.lcf" \
	"http://127.0.0.1:$STORE/frames/hls/cam-2/evil.m3u8" || bail "store"
is "a sealed playlist naming an absolute URL: 502" "$(fetch token-of-account-1 cam-2 evil.m3u8 "$T/got/x")" 502
ok "no byte of it went out" sh -c "! grep -q elsewhere '$T/got/x'"
ok "the drop is audited as malformed, with the line" \
	grep -q '"event":"drop".*"reason":"malformed".*"detail":"playlist refused: line 4: ' "$T/audit.log"
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nseg-0.ts\n' |
	"$L" seal -k "$T/pki/ingest.sec" -d cam-2 -K snapshot -N kind.m3u8 -c $M3U8 -o "$T/got/kind.lcf" || bail seal
curl -s -o /dev/null -X PUT --data-binary @"$T/got/kind.lcf" \
	"http://127.0.0.1:$STORE/frames/hls/cam-2/kind.m3u8" || bail "store"
printf '\357\273\277 #EXTM3U\n#EXTINF:2,\nhttps://elsewhere.example/x.ts\n' |
	"$L" seal -k "$T/pki/ingest.sec" -d cam-2 -K hls -N label.ts -c $TS -o "$T/got/label.lcf" || bail seal
curl -s -o /dev/null -X PUT --data-binary @"$T/got/label.lcf" \
	"http://127.0.0.1:$STORE/frames/hls/cam-2/label.ts" || bail "store"
is "a sealed playlist labelled video/mp2t: 502" "$(fetch token-of-account-1 cam-2 label.ts "$T/got/x")" 502
ok "audited as no segment of its label" \
	grep -q '"event":"drop".*"reason":"malformed".*"detail":"segment refused: labelled video/mp2t: ' "$T/audit.log"
dropped=0 tried=0
for lead in $SNIFFED; do
	tried=$((tried + 1))
	sniffed "$lead" | "$L" seal -k "$T/pki/ingest.sec" -d cam-2 -K hls -N "sniffed-$tried.ts" -c $TS -o "$T/got/sniffed.lcf" ||
		bail seal
	curl -s -o /dev/null -X PUT --data-binary @"$T/got/sniffed.lcf" \
		"http://127.0.0.1:$STORE/frames/hls/cam-2/sniffed-$tried.ts" || bail "store"
	[ "$(fetch token-of-account-1 cam-2 "sniffed-$tried.ts" "$T/got/x")" = 502 ] &&
		! grep -q elsewhere "$T/got/x" && dropped=$((dropped + 1))
done
is "sealed elsewhere, a playlist behind what a player skips, as a segment: 502" "$dropped" "$tried"
is "each drop audited as malformed" \
	"$(grep -c '"event":"drop".*"reason":"malformed".*"detail":"segment refused: labelled video/mp2t: ' "$T/audit.log")" \
	$((tried + 1))
is "a frame sealed as a snapshot on an hls route: 502" "$(fetch token-of-account-1 cam-2 kind.m3u8 "$T/got/x")" 502
ok "audited as kind_mismatch" grep -q '"event":"drop".*"reason":"kind_mismatch"' "$T/audit.log"
ok "metrics count the playlist drop" \
	test "$(metric 'lenscap_frames_dropped_total{reason="malformed"}')" -ge 1
done_testing
