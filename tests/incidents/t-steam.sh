#!/bin/bash
# Steam, 2015-12: a CDN configuration change cached responses the origin
# marked private and served them to others.  Mechanism: real nginx as
# the CDN, told to ignore the origin's "Cache-Control: private" and to
# key its cache on the URL with the per-user part folded away.
# No stall is scheduled here, so lenscapd may wait for the backend
# longer than tests/sim/lib.sh's 3 s: on a busy machine, a request the
# backend answers late would otherwise time out, an error no fault explains.
CHAOS_TIMEOUT_MS=${CHAOS_TIMEOUT_MS:-10000}
. "$top_srcdir/tests/sim/lib.sh"
setup_pki
setup_chaos_keys
CHAOS_PLAIN=1 start_chaos -s 2015 -r 0
start_cdn 'proxy_cache cdn; proxy_cache_key "$shared_key"; proxy_ignore_headers Cache-Control Expires Set-Cookie; proxy_cache_valid 200 2s;'
write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

ok "the origin marks its frames private" sh -c \
	"curl -s -D - -o /dev/null http://127.0.0.1:$CHAOS_PORT/frames/cam-1/latest.lcf | grep -qi 'cache-control: private'"
assistants -s 2015 -n 300 -c 6 -S 3 -t 0
stop_chaos
sed 's/^/# /' "$T/assistant.out"
verdict
ok "the CDN served cached private frames to others (the bug is live)" \
	test "$(drops device_mismatch)" -gt 50
ok "every drop is a device mismatch" test "$(got dropped)" -eq "$(drops device_mismatch)"
ok "a device's own frames still got through" test "$(got delivered)" -gt 20
done_testing
