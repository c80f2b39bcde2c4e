#!/bin/bash
# Eufy, 2021-05: a server update logged 712 users into other accounts.
# Mechanism: the chaos backend's session map is replaced by a "server
# update" (SIGUSR1) that puts every device under another account, while
# a live stream is running.  lenscapd's sessions are its own and each
# frame is checked against them: before the update everything passes,
# after it nothing does: not one frame of another account reaches a
# session, in snapshots or in the stream that lives through the update.
# No stall is scheduled here, so lenscapd may wait for the backend
# longer than tests/sim/lib.sh's 3 s: on a busy machine, a request the
# backend answers late would otherwise time out, an error no fault explains.
CHAOS_TIMEOUT_MS=${CHAOS_TIMEOUT_MS:-10000}
. "$top_srcdir/tests/sim/lib.sh"
setup_pki
setup_chaos_keys
start_chaos -s 2021 -r 0 -M eufy -n 400 -i 10
write_policy '"cam-1", "cam-2"' '"drops_in_a_row": 1000'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

assistants -s 2021 -n 200 -c 4 -S 2 -t 10
sed 's/^/# before: /' "$T/assistant.out"
is "before the update: nothing dropped" "$(got dropped)" 0
ok "before the update: frames delivered" test "$(got delivered)" -ge 200
# A stream that lives through the update (400 frames, 10 ms apart), of
# acct-3's cam-5, which the assistants (acct-1 and acct-2) leave alone.
curl -s --cacert "$T/pki/ca.crt" -H 'Authorization: Bearer token-of-account-3' \
	"https://127.0.0.1:$A/v1/cameras/cam-5/live" -o "$T/live" &
LIVE=$!
sleep 1.5
kill -USR1 "$CHAOS_PID"
wait "$LIVE"
live_rc=$?
assistants -s 2022 -n 200 -c 4 -S 2 -t 10
stop_chaos
sed 's/^/# after: /' "$T/assistant.out"
verdict
is "after the update: nothing delivered" "$(got delivered)" 0
ok "after the update: snapshots dropped" test "$(got dropped)" -gt 0
ok "the live stream carried cam-5's frames before the update" \
	test "$(grep -ao 'lenscap-truth device=cam-5 ' "$T/live" | wc -l)" -gt 10
is "and no other device's, ever" "$(grep -ao 'lenscap-truth device=cam-[0-9]* ' "$T/live" | grep -vc 'cam-5 ')" 0
ok "the live stream went on through the update" test "$live_rc" -eq 0
ok "its foreign frames after the update were dropped and audited" \
	test "$(grep -c '"event":"drop".*"device":"cam-5".*"reason":"device_mismatch"' "$T/audit.log")" -gt 50
matched
done_testing
