#!/bin/bash
# A fleet: three lenscapd instances behind real HAProxy (TCP mode, TLS
# ending at lenscapd, health checks on each admin /healthz), sharing one
# policy directory and one set of keys, with the Xiaomi-bug nginx behind
# all three.  Cameras push through HAProxy; assistants fetch stills and
# MJPEG streams through it.  A rolling reload revokes a device on every
# instance while the load runs; then one instance is killed (SIGKILL)
# and another stopped (SIGTERM, draining): no frame reaches the wrong
# session, every delivered frame is the camera's, byte for byte, streams
# on the dead instance end with no half frame counted, and new requests
# reach the living instance within the health-check interval.
. "$top_srcdir/tests/integration/lib.sh"
command -v haproxy >/dev/null 2>&1 || skip_all "haproxy not installed"
command -v perl >/dev/null 2>&1 || skip_all "perl not installed"
setup_pki
XIAOMI_CACHE='proxy_cache stills; proxy_cache_key "latest-still"; proxy_cache_valid 200 1h;'
setup_nginx "$XIAOMI_CACHE" "limit_rate 12k;"
FRAME_BYTES=3000
NOW=$(( $(date +%s) * 1000 ))

# --- streams in the store: cam-1..3, each part a frame kept as sent --------
mkdir -p "$T/frames"
PARTS=60
for c in cam-1 cam-2 cam-3; do
	mkdir -p "$T/frames/$c"
	{
		for k in $(seq 1 "$PARTS"); do
			part ingest "$c" "$k"
			cp "$T/raw" "$T/frames/$c/$k.jpg"
		done
		printf -- '--vendor-boundary--\r\n'
	} > "$(stream_file "$c")"
done
chmod -R a+rX "$T/store"

# --- one policy directory, one set of keys, three instances ------------------
mkdir -p "$T/policy.d" && ln -s ../pki "$T/policy.d/pki" || bail "policy.d"
publish_policy() { # the scenario's policy, acct-1 seeing $1, into policy.d
	write_policy "$1" '"max_connections_per_ip": 1000'
	mv "$T/policy.json" "$T/policy.d/lenscap.json"
}
publish_policy '"cam-1", "cam-2"'
ok "lenscapd -t accepts the shared policy directory" "$LENSCAPD" -t -c "$T/policy.d"
start_instance() { # N: lenscapd N with its own state in $T/iN
	mkdir -p "$T/i$1"
	"$LENSCAPD" -f -D 2 -g 3 -c "$T/policy.d" -A "$T/i$1/audit.log" -P "$T/i$1/ports" \
		2>>"$T/i$1/stderr" &
	eval "PID$1=$!"
	PIDS="$PIDS $!"
	for _ in $(seq 100); do [ -s "$T/i$1/ports" ] && return 0; sleep 0.1; done
	return 1
}
iport() { awk -v n="$2" '$1 == n { print $2 }' "$T/i$1/ports"; }
for i in 1 2 3; do start_instance "$i" || bail "lenscapd $i did not start"; done

# --- HAProxy in front, as contrib/haproxy/haproxy.cfg but on test ports -------
HA_A=$(free_port); HA_C=$(free_port); HA_S=$(free_port)
checks() { # each instance's admin /healthz, every 500 ms
	printf '\toption httpchk\n'
	printf '\thttp-check send meth GET uri /healthz ver HTTP/1.1 hdr Host lenscapd\n'
	printf '\thttp-check expect status 200\n'
	printf '\tdefault-server inter 500ms fall 2 rise 2\n'
}
servers() { # FACE
	for i in 1 2 3; do
		echo "	server lenscapd$i 127.0.0.1:$(iport "$i" "$1") check port $(iport "$i" admin)"
	done
}
cat > "$T/haproxy.cfg" <<EOT
global
	maxconn 2000
defaults
	mode tcp
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	retries 2
	option redispatch
frontend assistant
	bind 127.0.0.1:$HA_A
	default_backend lenscap_assistant
backend lenscap_assistant
	balance leastconn
$(checks)
$(servers assistant)
frontend camera
	bind 127.0.0.1:$HA_C
	default_backend lenscap_camera
backend lenscap_camera
	balance source
	hash-type consistent
$(checks)
$(servers camera)
frontend stats
	mode http
	bind 127.0.0.1:$HA_S
	stats enable
	stats uri /
EOT
ok "haproxy -c accepts the test's configuration" haproxy -c -q -f "$T/haproxy.cfg"
ok "haproxy -c accepts contrib/haproxy/haproxy.cfg" haproxy -c -q -f "$top_srcdir/contrib/haproxy/haproxy.cfg"
haproxy -db -f "$T/haproxy.cfg" > "$T/haproxy.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$HA_A" && wait_port "$HA_C" || bail "haproxy did not start: $(cat "$T/haproxy.log")"
# state BACKEND SERVER: UP, DOWN, ... as HAProxy's stats say.
state() { curl -s -m 2 "http://127.0.0.1:$HA_S/;csv" | awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s { print $18 }'; }
for _ in $(seq 50); do
	[ "$(state lenscap_assistant lenscapd1)$(state lenscap_assistant lenscapd2)$(state lenscap_assistant lenscapd3)" = UPUPUP ] && break
	sleep 0.1
done
is "HAProxy sees the three instances up" \
	"$(state lenscap_assistant lenscapd1) $(state lenscap_assistant lenscapd2) $(state lenscap_assistant lenscapd3)" "UP UP UP"

# --- cameras push their stills through HAProxy ------------------------------
pushed=0
for n in 1 2 3 4 5 6; do
	frame "cam-$n" > "$T/frames/cam-$n.jpg"
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		--cert "$T/pki/cam-$n.crt" --key "$T/pki/cam-$n.key" -X PUT \
		-H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-$n.jpg" \
		"https://127.0.0.1:$HA_C/v1/cameras/cam-$n/snapshot")
	[ "$code" = 201 ] && pushed=$((pushed + 1))
done
is "six cameras pushed a still each through HAProxy (201)" "$pushed" 6

# --- the load: stills (one connection each) and streams --------------------
own() { # DEVICE BODY: BODY is the very still DEVICE pushed
	[ "$(grep -ao 'lenscap-truth device=cam-[0-9]' "$2" | cut -d= -f2)" = "$1" ] &&
		cmp -s "$2" "$T/frames/$1.jpg"
}
stills() { # ACCOUNT DEVICE...: fetches until $T/stop, one line "time code verdict" each
	local a=$1 d code v k=0; shift
	while [ ! -e "$T/stop" ]; do
		for d in "$@"; do
			k=$((k + 1))
			code=$(curl -s -m 10 -o "$T/got/s$a.$k" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
				-H "Authorization: Bearer token-of-account-$a" \
				"https://127.0.0.1:$HA_A/v1/cameras/$d/snapshot")
			v=-; [ "$code" = 200 ] && { own "$d" "$T/got/s$a.$k" && v=own || v=FOREIGN; }
			# A 502 is a drop (frame refused) or, on an instance that
			# stops, a request its backend client no longer takes: never
			# a byte of a frame.
			[ "$code" = 502 ] && grep -aq 'lenscap-truth' "$T/got/s$a.$k" && v=FOREIGN
			[ "$code" = 502 ] && ! grep -q '"title":' "$T/got/s$a.$k" && v=bad502
			rm -f "$T/got/s$a.$k"
			echo "$(date +%s%N) $code $v $d"
		done
	done
}
stream() { # ACCOUNT DEVICE OUT: one stream; its curl exit code in OUT.rc
	curl -s -N -m 40 --cacert "$T/pki/ca.crt" -H "Authorization: Bearer token-of-account-$1" \
		-o "$3" "https://127.0.0.1:$HA_A/v1/cameras/$2/live"
	echo $? > "$3.rc"
}
busy=0
for i in 1 2 3; do # each instance, asked directly, releases some still
	r=0
	for pair in 1:cam-1 1:cam-2 2:cam-3 2:cam-4 3:cam-5 3:cam-6; do
		code=$(curl -s -o "$T/got/direct.$i" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
			-H "Authorization: Bearer token-of-account-${pair%%:*}" \
			"https://127.0.0.1:$(iport "$i" assistant)/v1/cameras/${pair#*:}/snapshot")
		[ "$code" = 200 ] && own "${pair#*:}" "$T/got/direct.$i" && r=$((r + 1))
	done
	echo "# lenscapd $i released $r of the 6 stills"
	[ "$r" -gt 0 ] && busy=$((busy + 1))
done
is "frames sealed by one instance are released by all three" "$busy" 3
fetchers=""
stills 1 cam-1 > "$T/stills.1" & fetchers="$fetchers $!"
stills 2 cam-3 cam-4 > "$T/stills.2" & fetchers="$fetchers $!"
stills 3 cam-5 cam-6 > "$T/stills.3" & fetchers="$fetchers $!"
streamers=""
for s in 1 2 3; do
	stream 1 cam-1 "$T/got/live.cam-1.$s" & streamers="$streamers $!"
	stream 1 cam-2 "$T/got/live.cam-2.$s" & streamers="$streamers $!"
	stream 2 cam-3 "$T/got/live.cam-3.$s" & streamers="$streamers $!"
done
PIDS="$PIDS $fetchers $streamers"
sleep 2

# --- a rolling reload revokes cam-2 from acct-1 on every instance ------------
publish_policy '"cam-1"'
ok "lenscapd -t accepts the new policy before any SIGHUP" "$LENSCAPD" -t -c "$T/policy.d"
taken=0
for i in 1 2 3; do
	n=$(grep -c '"event":"reload"' "$T/i$i/audit.log")
	eval "kill -HUP \$PID$i"
	for _ in $(seq 50); do
		[ "$(grep -c '"event":"reload"' "$T/i$i/audit.log")" -gt "$n" ] && break; sleep 0.1
	done
	grep '"event":"reload"' "$T/i$i/audit.log" | tail -n 1 | grep -q 'policy in force' && taken=$((taken + 1))
done
is "the rolling reload is taken by each instance in turn" "$taken" 3
revoked=0
for i in 1 2 3; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer token-of-account-1' \
		"https://127.0.0.1:$(iport "$i" assistant)/v1/cameras/cam-2/snapshot")
	[ "$code" = 404 ] && revoked=$((revoked + 1))
done
is "cam-2 is revoked for acct-1 on every instance (404)" "$revoked" 3
REVOKED_AT=$(date +%s%N)
sleep 1

# --- SIGKILL one instance, SIGTERM another, in the middle of the load --------
kill -KILL "$PID1"
kill -TERM "$PID2"
KILLED_AT=$(date +%s%N)
sleep 0.3
is "the stopped instance reports draining" \
	"$(curl -s -m 2 -w ' %{http_code}' "http://127.0.0.1:$(iport 2 admin)/healthz" | tr -d '\n')" "draining 503"
down=""
for _ in $(seq 40); do
	down="$(state lenscap_assistant lenscapd1) $(state lenscap_assistant lenscapd2) $(state lenscap_assistant lenscapd3)"
	case $down in "DOWN DOWN UP") break ;; esac
	sleep 0.1
done
TAKEN_OUT_MS=$(( ($(date +%s%N) - KILLED_AT) / 1000000 ))
echo "# HAProxy took both out in $TAKEN_OUT_MS ms (inter 500 ms, fall 2)"
is "HAProxy takes the dead and the draining instance out" "$down" "DOWN DOWN UP"
ok "within the health-check interval (fall 2 x inter 500 ms, one more inter, 1 s of polling on a busy machine)" test "$TAKEN_OUT_MS" -le 2500
CUTOVER=$(( KILLED_AT + 2500000000 ))
sleep 3
touch "$T/stop"
# shellcheck disable=SC2086
wait $fetchers
wait "$PID2"
is "the SIGTERMed instance exits 0" "$?" 0
# shellcheck disable=SC2086
wait $streamers

# --- what the assistants got --------------------------------------------------
cat "$T"/stills.? > "$T/stills"
echo "# stills: $(awk '{ print $2, $3 }' "$T/stills" | sort | uniq -c | tr -s ' \n' ' ')"
is "stills delivered to the wrong session" "$(grep -c FOREIGN "$T/stills")" 0
is "every 502 is a problem body" "$(grep -c bad502 "$T/stills")" 0
ok "stills were delivered" grep -q ' 200 own ' "$T/stills"
ok "and the Xiaomi cache made lenscapd drop some" grep -q ' 502 - ' "$T/stills"
is "after the cut-over every still request is answered (200 or 502)" \
	"$(awk -v t="$CUTOVER" '$1 > t && $2 != 200 && $2 != 502' "$T/stills" | wc -l)" 0
ok "requests were made after the cut-over" test "$(awk -v t="$CUTOVER" '$1 > t' "$T/stills" | wc -l)" -gt 10

# check_stream FILE DEVICE: every complete part of the relayed MJPEG is one
# of DEVICE's frames byte for byte, in order; prints "parts half".
check_stream() {
	perl -e '
		my ($file, $dev, $dir) = @ARGV; local $/;
		open(my $f, "<:raw", $file) or do { print "0 0 ok\n"; exit };
		my $s = <$f>; my ($parts, $half, $bad, $last) = (0, 0, 0, 0);
		while ($s =~ /\G.*?--lc-[0-9a-f]+\r\nContent-Type: [^\r]*\r\nContent-Length: (\d+)\r\n\r\n/gcs) {
			my $len = $1; my $at = pos($s);
			if ($at + $len + 2 > length($s)) { $half++; last }
			my $body = substr($s, $at, $len); pos($s) = $at + $len;
			my ($d, $k) = $body =~ /lenscap-truth device=(\S+)\s+frame=(\d+)/;
			my $want = ""; if (defined $k && open(my $o, "<:raw", "$dir/$d/$k.jpg")) { $want = <$o> }
			$bad++ unless defined $d && $d eq $dev && $body eq $want && $k > $last;
			$last = $k if defined $k; $parts++;
		}
		print "$parts $half ", ($bad ? "BAD" : "ok"), "\n";
	' "$1" "$2" "$T/frames"
}
full=0; cut=0; bad=0; parts=0; cam2_after=0
for rcf in "$T"/got/live.cam-*.?.rc; do
	f=${rcf%.rc}
	d=$(basename "$f" | cut -d. -f2)
	read -r p h v < <(check_stream "$f" "$d")
	parts=$((parts + p))
	[ "$v" = ok ] || bad=$((bad + 1))
	rc=$(cat "$f.rc")
	if [ "$rc" = 0 ] && [ "$p" -eq "$PARTS" ]; then full=$((full + 1))
	elif [ "$d" != cam-2 ]; then cut=$((cut + 1)); fi
	echo "# $(basename "$f"): $p parts, $h half, curl $rc, $v"
	# Streams of cam-2 end at the reload: no part of one sealed later.
	[ "$d" = cam-2 ] && [ "$p" -ge "$PARTS" ] && cam2_after=$((cam2_after + 1))
done
is "stream parts not byte-identical, out of order or of another device" "$bad" 0
ok "stream frames were delivered ($parts)" test "$parts" -gt 50
is "no cam-2 stream ran to its end after the revocation" "$cam2_after" 0
ok "streams of granted devices on the dead and stopped instances were cut ($cut cut, $full whole)" \
	test "$cut" -ge 1
echo "# revoked at $REVOKED_AT, killed at $KILLED_AT"
ok "the living instance still serves" test "$(curl -s "http://127.0.0.1:$(iport 3 admin)/healthz")" = ok
ok "no sanitizer or libmicrohttpd complaint" sh -c "! grep -E 'ERROR: |runtime error|Fatal error' '$T'/i?/stderr"
done_testing
