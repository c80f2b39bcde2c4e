#!/bin/bash
# Stills read whole and then dropped by the gate (a bad signature, a
# body that does not match its digest or its length, a stale frame, an
# untrusted key), half of them, one after another: the backend
# connection that carried a dropped still is never used again, and the
# one that carried a delivered still is.  So the chaos backend accepts
# one connection, and one more after each drop that a request follows.
. "$top_srcdir/tests/sim/lib.sh"
setup_pki
setup_chaos_keys
start_chaos -s 7 -r 0.5 -w 600000 \
	-f bad_signature,corrupt,padded,truncated,extra_bytes,stale,unknown_key,camera_key
write_policy '"cam-1", "cam-2"' '"drops_in_a_row": 1000'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); M=$(port_of admin)

N=24
: > "$T/codes"
for i in $(seq $N); do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer token-of-account-1' \
		"https://127.0.0.1:$A/v1/cameras/cam-1/snapshot" >> "$T/codes"
done
stop_chaos
echo "# answers: $(tr '\n' ' ' < "$T/codes")"
delivered=$(grep -c '^200$' "$T/codes")
dropped=$(grep -c '^502$' "$T/codes")
is "every still answered 200 or 502" "$((delivered + dropped))" "$N"
ok "stills were delivered ($delivered)" test "$delivered" -ge 4
ok "stills were dropped ($dropped)" test "$dropped" -ge 4
is "each 502 audited as a drop" "$(grep -c '"event":"drop"' "$T/audit.log")" "$dropped"
followed=$(head -n $((N - 1)) "$T/codes" | grep -c '^502$')
conns=$(sed -n 's/.*"connections":\([0-9]*\).*/\1/p' "$T/chaos/report")
is "backend connections: one, and a new one after each dropped still" \
	"$conns" "$((1 + followed))"
ok "lenscapd is still healthy" test "$(curl -s "http://127.0.0.1:$M/healthz")" = ok
done_testing
