#!/bin/bash
# The chaos backend against lenscapd: half the frames faulted, in every
# kind tests/sim/faults.h lists, snapshots and streams at once.  Every
# injected fault must be found in the audit trail, by request id, as
# what it is; no frame may reach the wrong session; every delivered frame
# must be byte for byte the camera's.
. "$top_srcdir/tests/sim/lib.sh"
SEED=${CHAOS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $SEED (CHAOS_SEED=$SEED reproduces the schedule)"
setup_pki
setup_chaos_keys
start_chaos -s "$SEED" -r 0.5 -f all -m 1048576 -w 600000 -S "$STALL_MS" -n 12 -i 2
write_policy '"cam-1", "cam-2"' '"drops_in_a_row": 1000'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

assistants -s "$SEED" -n 600 -c 4 -S 3 -t 30
rc=$?
stop_chaos
sed 's/^/# /' "$T/assistant.out"
is "assistant simulator: nothing leaked, nothing corrupt (exit 0)" "$rc" 0
verdict
ok "frames were delivered" test "$(got delivered)" -gt 100
ok "snapshots were dropped" test "$(got dropped)" -gt 20

matched
kinds=$(grep -vc '^#\|^missed\|^unexpected\|^unanswered\|^cut' "$T/match")
ok "the schedule injected at least 20 kinds of fault" test "$kinds" -ge 20
echo "# kind injected caught"
grep -v '^#\|^missed\|^unexpected\|^unanswered\|^cut' "$T/match" | sort | sed 's/^/#   /'
ok "the chaos backend wrote its totals" grep -q '"totals"' "$T/chaos/report"
ok "lenscapd is still healthy" test "$(curl -s "http://127.0.0.1:$M/healthz")" = ok
done_testing
