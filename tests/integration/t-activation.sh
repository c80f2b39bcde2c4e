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
	"$LENSCAPD" -f -c "$T/policy.json" -P "$T/ports" -A "$T/audit.log" -p "$T/lenscapd.pid" \
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

# --- reloads: the passed socket stays the admin listener's -----------------
LENSCAPD_PID=$(cat "$T/lenscapd.pid")
Q=$(free_port)
POLICY_LISTENERS=$(listeners 127.0.0.1:0 127.0.0.1:0 "127.0.0.1:$Q") write_policy '"cam-1", "cam-2"'
is "a reload that gives the admin listener another address is taken" "$(hup)" "policy in force"
is "it still serves on the passed socket, as at the start" "$(curl -s -m 3 "http://127.0.0.1:$P/healthz")" ok
is "and binds nothing of its own" "$(curl -s -o /dev/null -w '%{http_code}' -m 3 "http://127.0.0.1:$Q/healthz")" 000
POLICY_LISTENERS=$(listeners | sed '/"admin"/d; /client_ca/s/} },$/} }/') write_policy '"cam-1", "cam-2"'
is "a reload without the admin listener is taken" "$(hup)" "policy in force"
ok "the passed socket is said to be unused" grep -q 'socket admin passed by systemd: no listener of that name' "$T/lenscapd.stderr"
is "and is not served" "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$P/healthz")" 000
write_policy '"cam-1", "cam-2"'
is "a reload with the admin listener again is taken" "$(hup)" "policy in force"
is "it serves on the passed socket again" "$(curl -s -m 3 "http://127.0.0.1:$P/healthz")" ok
is "the port file says so" "$(port_of admin)" "$P"
exec 5<>"/dev/tcp/127.0.0.1/$P"
is "a kept-alive connection on the passed socket is served" "$(healthz_on 5)" "HTTP/1.1 200 OK"
is "a reload that changes nothing of the listeners is taken" "$(hup)" "policy in force"
is "the admin server was kept: that connection is served again" "$(healthz_on 5)" "HTTP/1.1 200 OK"
write_policy '"cam-1", "cam-2"' '"max_connections": 900'
is "a reload that changes a limit is taken" "$(hup)" "policy in force"
timeout 5 cat <&5 >/dev/null; rc=$?
exec 5<&-
is "the replaced server closes that connection once idle" "$rc" 0
is "and its successor serves on the passed socket" "$(curl -s -m 3 "http://127.0.0.1:$P/healthz")" ok
sed -i 's|"pki/server.key"|"pki/missing.key"|' "$T/policy.json"
is "a reload whose TLS key is missing is refused" "$(hup)" "refused: the old policy stays in force"
is "the passed socket still serves" "$(curl -s -m 3 "http://127.0.0.1:$P/healthz")" ok
done_testing
