#!/bin/bash
# Wyze thumbnails, 2024-02: under reconnect load, a caching client
# library mixed up device and user; about 13,000 users saw others'
# thumbnails.  Mechanism: the chaos backend's thumbnail cache is keyed by
# connection slot, not by device, and every request comes on a new
# connection (the assistants reconnect each time, the backend closes
# after each answer), so slots change hands between devices and users.
# No stall is scheduled here, so lenscapd may wait for the backend
# longer than tests/sim/lib.sh's 3 s: on a busy machine, a request the
# backend answers late would otherwise time out, an error no fault explains.
CHAOS_TIMEOUT_MS=${CHAOS_TIMEOUT_MS:-10000}
. "$top_srcdir/tests/sim/lib.sh"
setup_pki
setup_chaos_keys
start_chaos -s 2024 -r 0 -M wyze
write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

assistants -s 2024 -n 400 -c 12 -S 3 -t 0 -F
stop_chaos
sed 's/^/# /' "$T/assistant.out"
verdict
ok "the backend mixed devices up (the bug is live)" \
	test "$(faults other_device other_account)" -gt 20
ok "across accounts too" test "$(faults other_account)" -gt 0
matched
ok "a device's own thumbnails still got through" test "$(got delivered)" -gt 20
done_testing
