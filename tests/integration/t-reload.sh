#!/bin/bash
# A policy of many shards, reloaded: the load runs at a lower priority
# (nice +10) while the old policy answers, a good directory takes effect,
# and a shard that declares another shard's device again is refused with
# both files named, the old policy staying in force (lenscapd(8),
# SIGHUP; lenscap.policy(5), Merging).
. "$top_srcdir/tests/integration/lib.sh"
GEN=$top_builddir/tests/unit/policy-load-bench
[ -x "$GEN" ] || bail "no $GEN"
ACCOUNTS=100000 SHARDS=20
mkdir -p "$T/policy" || bail mkdir
# base [MAX]: the base file, with max_connections MAX if given.  A reload
# that changes a limit replaces the servers; one that changes nothing a
# server holds keeps them, and their connections.
base() {
	local limits=""

	[ -n "${1:-}" ] && limits="\"limits\": { \"max_connections\": $1 },"
	cat <<EOT
{ "listeners": { "assistant": { "listen": "127.0.0.1:0", "plain": true },
                 "admin": { "listen": "127.0.0.1:0", "plain": true } },
  "backend": { "url": "http://127.0.0.1:9", "plain": true },
  $limits
  "routes": [ { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/snapshot",
                "backend": "/frames/{device}/latest.lcf", "media": "snapshot" } ] }
EOT
}
base > "$T/base.json"
"$GEN" -a "$ACCOUNTS" -s "$SHARDS" -w "$T/policy" -b "$T/base.json" || bail "writing the policy"

# start_lenscapd allows 10 s; the first load may take longer on a busy machine.
"$LENSCAPD" -f -v -c "$T/policy" -A "$T/audit.log" -P "$T/ports" 2>"$T/lenscapd.stderr" &
LENSCAPD_PID=$!; PIDS="$PIDS $LENSCAPD_PID"
for _ in $(seq 1200); do
	[ -s "$T/ports" ] && break
	kill -0 "$LENSCAPD_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$T/ports" ] || bail "lenscapd did not start: $(tail -3 "$T/lenscapd.stderr")"
A=$(port_of assistant)
# acct-1 asks for acct-0's camera: a decision of the policy alone.
ask() { curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sess-token-1' \
	"http://127.0.0.1:$A/v1/cameras/cam-0/snapshot"; }
before=$(ask)
is "a stranger's camera is refused, as if it did not exist" "$before" 404

# nice_of STAT: the nice value in a /proc stat file (its 19th field).
nice_of() { sed 's/^.*) //' "$1" 2>/dev/null | awk '{ print $17 }'; }
# The reload's nice: lenscapd's own (make may run under nice) plus 10.
want_nice=$(( $(nice_of "/proc/$LENSCAPD_PID/stat") + 10 ))
[ "$want_nice" -gt 19 ] && want_nice=19

# reload_watch: SIGHUP, then until the reload's audit event: whether a
# thread of lenscapd ran at $want_nice, and what the old policy answered
# meanwhile.  Prints "NICE ANSWERS".
reload_watch() {
	local n nice=0 answers="" i
	n=$(grep -c '"event":"reload"' "$T/audit.log")
	kill -HUP "$LENSCAPD_PID"
	for i in $(seq 3000); do
		[ "$(grep -c '"event":"reload"' "$T/audit.log")" -gt "$n" ] && break
		for s in /proc/"$LENSCAPD_PID"/task/*/stat; do
			[ "$(nice_of "$s")" = "$want_nice" ] && nice=1
		done
		[ $((i % 10)) -eq 1 ] && answers="$answers $(ask)"
		sleep 0.02
	done
	echo "$nice${answers:- none}"
}
detail() { grep '"event":"reload"' "$T/audit.log" | tail -n 1 |
	sed -n 's/.*"event":"reload","detail":"\([^"]*\)".*/\1/p'; }

read -r nice answers <<< "$(reload_watch)"
is "the reload takes effect" "$(detail)" "policy in force"
is "its load ran at nice +10 ($want_nice)" "$nice" 1
ok "the old policy answered meanwhile ($answers)" \
	test "$(echo "$answers" | tr ' ' '\n' | sort -u | tr -d '\n')" = 404
ok "lenscapd logged how long the load took" grep -q "loaded $T/policy in [0-9]* ms" "$T/lenscapd.stderr"

# A connection made before a reload (that replaces the servers) whose
# first request comes after it: the replaced server answers it (it
# closes connections once idle after a request, not before their first).
M=$(port_of admin)
exec 5<>"/dev/tcp/127.0.0.1/$M"
base 1000 > "$T/policy/00-base.json"
read -r nice answers <<< "$(reload_watch)"
is "another reload takes effect" "$(detail)" "policy in force"
# A closed connection must fail the check, not kill the script (SIGPIPE).
(trap '' PIPE; printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&5) 2>/dev/null
status=""
IFS= read -r -t 5 status <&5
exec 5<&-
is "a connection made before it is answered after it" "${status%$'\r'}" "HTTP/1.1 200 OK"
# One made before a reload that never asks is closed some 2 s after it,
# not at its idle timeout (30 s): silent connections must not keep
# replaced servers alive.
exec 5<>"/dev/tcp/127.0.0.1/$M"
base 1001 > "$T/policy/00-base.json"
read -r nice answers <<< "$(reload_watch)"
is "a third reload takes effect" "$(detail)" "policy in force"
IFS= read -r -t 10 status <&5; rc=$?
exec 5<&-
is "a silent connection made before it is closed within 10 s (read: end of file)" "$rc" 1

# cam-3 is shard 0's; a shard after shard 10 declares it again.
printf '{ "devices": { "cam-3": { "auth": { "token_sha256": "%s" } } } }\n' \
	"$(token_digest another-token)" > "$T/policy/shard-00010b.json"
read -r nice answers <<< "$(reload_watch)"
is "a device declared in two shards: the reload is refused" \
	"$(detail)" "refused: the old policy stays in force"
ok "the error names the second shard and the first" grep -q \
	"$T/policy/shard-00010b.json:1:16: devices.cam-3: defined twice (first at $T/policy/shard-00000.json:5:2)" \
	"$T/lenscapd.stderr"
is "the old policy still answers" "$(ask)" 404
done_testing
