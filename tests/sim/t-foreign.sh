#!/bin/bash
# A still whose backend answer is another camera's frame, its body
# trickled in slowly (about 1.5 MB at 4 KiB per 20 ms, some seven
# seconds): lenscapd decides from the envelope's header, answers 502 at
# once and closes the backend connection, so the time of the 502 says
# nothing of the other camera's frame size.  Audited as device_mismatch,
# as the gate would say of the whole frame.
CHAOS_TIMEOUT_MS=30000
. "$top_srcdir/tests/sim/lib.sh"
setup_pki
setup_chaos_keys
start_chaos -s 1 -r 1 -f slow_foreign -b 1000000 -m 4194304 -w 600000
MAX_FRAME_BYTES=4194304 write_policy '"cam-1", "cam-2"' '"drops_in_a_row": 1000'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

for i in 1 2 3; do
	out=$(curl -s -o "$T/body.$i" -w '%{http_code} %{time_total}' --max-time 40 \
		--cacert "$T/pki/ca.crt" -H 'Authorization: Bearer token-of-account-1' \
		"https://127.0.0.1:$A/v1/cameras/cam-1/snapshot")
	is "still $i: 502" "${out% *}" 502
	ok "still $i: answered within 1.5 s, not after the foreign body (${out#* } s)" \
		awk -v t="${out#* }" 'BEGIN { exit !(t < 1.5) }'
done
ok "no image bytes in the answers" sh -c "! grep -qa JFIF $T/body.*"
is "each audited as device_mismatch" "$(drops device_mismatch)" 3
stop_chaos
ok "lenscapd is still healthy" test "$(curl -s "http://127.0.0.1:$M/healthz")" = ok
done_testing
