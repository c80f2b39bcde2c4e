#!/bin/bash
# ChatGPT / redis-py, 2023-03: a request cancelled in flight left a pooled
# connection one reply behind, and the next user read the previous
# user's reply.  Mechanism: the chaos backend answers through one shared
# cache connection whose replies come back in order; some requests stall
# there longer than lenscapd's backend timeout, lenscapd gives up on them
# (closing its connection, never reusing it), and the stalled request's
# reply stays queued: from then on the backend hands every request the
# reply before it.  lenscapd's own pool never does this (t-upstream
# proves it); here the envelope catches the backend doing it.
. "$top_srcdir/tests/sim/lib.sh"
setup_pki
setup_chaos_keys
start_chaos -s 2023 -r 0.05 -f stall -S "$STALL_MS" -M redis
write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

assistants -s 2023 -n 200 -c 1 -S 3 -t 0
stop_chaos
sed 's/^/# /' "$T/assistant.out"
verdict
ok "requests were cancelled in flight" test "$(faults stall)" -gt 0
ok "the backend handed out other requests' replies (the bug is live)" \
	test "$(faults other_device other_account)" -gt 20
matched
done_testing
