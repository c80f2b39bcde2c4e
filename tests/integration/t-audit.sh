#!/bin/bash
# The audit trail as an operator sees it: rotated on SIGUSR1 (the next
# lines go to the new file, none is lost or split), and written to a full
# disk (/dev/full): lenscapd goes on serving, counts every lost line in
# lenscap_audit_lines_lost_total, and says so once in its diagnostic log.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
setup_nginx "" ""
write_policy '"cam-1"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)
refused() { # N: N requests with an unknown token, each one auth_failure line
	for _ in $(seq "$1"); do
		curl -s -o /dev/null --cacert "$T/pki/ca.crt" -H 'Authorization: Bearer nobody' \
			"https://127.0.0.1:$A/v1/cameras/cam-1/snapshot"
	done
}
lines() { grep -c '"event":"auth_failure"' "$1" 2>/dev/null || true; }

# --- rotation ---------------------------------------------------------------
refused 3
is "three refusals in the trail" "$(lines "$T/audit.log")" 3
mv "$T/audit.log" "$T/audit.log.1"
refused 2
is "until SIGUSR1, lines go to the renamed file" "$(lines "$T/audit.log.1")" 5
kill -USR1 "$LENSCAPD_PID"
for _ in $(seq 50); do [ -e "$T/audit.log" ] && break; sleep 0.1; done
ok "SIGUSR1 opens a new file" test -e "$T/audit.log"
ok "created 0640" test "$(stat -c %a "$T/audit.log")" = 640
refused 4
is "the next lines go to the new file" "$(lines "$T/audit.log")" 4
is "and none to the old one" "$(lines "$T/audit.log.1")" 5
ok "every line of both is one JSON object" \
	sh -c "cat '$T/audit.log.1' '$T/audit.log' | grep -vc '^{\"time\":\".*}\$' | grep -qx 0"
is "no line was lost" "$(metric lenscap_audit_lines_lost_total)" 0
kill -TERM "$LENSCAPD_PID"; wait "$LENSCAPD_PID"

# --- a full disk ----------------------------------------------------------------
: > "$T/lenscapd.stderr"; rm -f "$T/ports"
"$LENSCAPD" -f -c "$T/policy.json" -A /dev/full -P "$T/ports" 2>>"$T/lenscapd.stderr" &
LENSCAPD_PID=$!
PIDS="$PIDS $LENSCAPD_PID"
for _ in $(seq 100); do [ -s "$T/ports" ] && break; sleep 0.1; done
A=$(port_of assistant); M=$(port_of admin)
refused 5
is "with the disk full, lenscapd still answers (401)" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer nobody' "https://127.0.0.1:$A/v1/cameras/cam-1/snapshot")" 401
is "the six lost lines are counted" "$(metric lenscap_audit_lines_lost_total)" 6
is "the diagnostic log says so once" \
	"$(grep -c 'audit log /dev/full: lines are lost.*No space left on device' "$T/lenscapd.stderr")" 1
kill -TERM "$LENSCAPD_PID"; wait "$LENSCAPD_PID"
is "SIGTERM: exit 0" "$?" 0
done_testing
