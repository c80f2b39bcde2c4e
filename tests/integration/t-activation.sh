#!/bin/bash
# Socket activation: systemd (here systemd-socket-activate) binds the
# socket and passes it, named; the listener of that name serves on it.
. "$top_srcdir/tests/integration/lib.sh"
command -v systemd-socket-activate >/dev/null 2>&1 || skip_all "no systemd-socket-activate"
setup_pki
setup_nginx "" ""
write_policy '"cam-1", "cam-2"'
P=$(free_port)
systemd-socket-activate -l "127.0.0.1:$P" --fdname=admin -- \
	"$LENSCAPD" -f -c "$T/policy.json" -P "$T/ports" -A "$T/audit.log" \
	2>>"$T/lenscapd.stderr" &
PIDS="$PIDS $!"
wait_port "$P" || bail "systemd-socket-activate did not listen"
# It starts lenscapd on the first connection, which lenscapd then serves.
is "the first connection is served" "$(curl -s --max-time 10 "http://127.0.0.1:$P/healthz")" ok
for _ in $(seq 100); do [ -s "$T/ports" ] && break; sleep 0.1; done
ok "lenscapd started with a passed socket" test -s "$T/ports"
is "the admin listener is on the passed socket" "$(port_of admin)" "$P"
is "and keeps serving on it" "$(curl -s "http://127.0.0.1:$P/healthz")" ok
ok "the other listeners bound their own ports" test "$(port_of assistant)" -ne 0
ok "no complaint about unused sockets" sh -c "! grep -q 'no listener of that name' '$T/lenscapd.stderr'"
done_testing
