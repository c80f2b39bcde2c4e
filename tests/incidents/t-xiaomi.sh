#!/bin/bash
# Xiaomi Mijia -> Nest Hub, 2019-12: a cache update served other devices'
# stills, some corrupted, some with timestamps from other time zones.
# Mechanism: real nginx in front of the backend with a cache key that
# ignores the device (it names the client connection, so that the cache
# fills often and a connection's still goes to whichever device is asked
# for next on it), and a backend that corrupts frames and stamps them
# hours off (stale, or from the future).
. "$top_srcdir/tests/sim/lib.sh"
setup_pki
setup_chaos_keys
CHAOS_PLAIN=1 start_chaos -s 2019 -r 0.5 -f corrupt,stale,future
start_cdn 'proxy_cache cdn; proxy_cache_key "latest-still-$remote_port"; proxy_ignore_headers Cache-Control; proxy_cache_valid 200 1s;'
write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

assistants -s 2019 -n 20000 -c 6 -S 3 -t 0
stop_chaos
sed 's/^/# /' "$T/assistant.out"
verdict
ok "the cache served foreign stills (the bug is live)" test "$(drops device_mismatch)" -gt 50
ok "corrupted stills were dropped as $(corrupt_reason)" test "$(drops "$(corrupt_reason)")" -gt 0
ok "stills from other time zones were dropped (stale or future)" \
	test "$(( $(drops stale) + $(drops future) ))" -gt 0
ok "a device's own stills still got through" test "$(got delivered)" -gt 20
done_testing
