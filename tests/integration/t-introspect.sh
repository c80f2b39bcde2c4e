#!/bin/bash
# Token introspection (RFC 7662) as a session source: a bearer token that
# is no static session is asked of the vendor's endpoint (a Python
# responder behind the nginx backend, so through lenscapd's backend
# client with its CA).  Active tokens of an account see its cameras and
# no others; inactive tokens and unknown subjects are refused (401);
# answers are cached by the token's digest, refusals too; an endpoint
# that is slow, failing, down or talking nonsense fails closed (503),
# audited and counted; a token's exp ends a live stream.  Tokens never
# reach the audit trail.
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
setup_pki

# The endpoint, on a port it picks.
RULES="$T/rules.json"; CALLS="$T/calls"
echo '{}' > "$RULES"; : > "$CALLS"
python3 "$top_srcdir/tests/integration/introspect-responder.py" "$T/py.port" "$RULES" "$CALLS" &
PY_PID=$!
PIDS="$PIDS $PY_PID"
for _ in $(seq 100); do [ -s "$T/py.port" ] && break; sleep 0.1; done
PYPORT=$(cat "$T/py.port") || bail "responder did not start"

setup_nginx "" "limit_rate 200k;" \
	"location /oauth/introspect { proxy_pass http://127.0.0.1:$PYPORT; proxy_read_timeout 30s; }"
POLICY_SESSIONS=', "introspection": { "path": "/oauth/introspect", "cache_ms": 60000,
    "negative_cache_ms": 10000, "cache_entries": 100, "timeout_ms": 1000 }'
write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)

# A still of cam-1 in the store, as cam-1 pushes it.
frame cam-1 > "$T/still.jpg"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
	--cert "$T/pki/cam-1.crt" --key "$T/pki/cam-1.key" -X PUT -T "$T/still.jpg" \
	-H 'Content-Type: image/jpeg' "https://127.0.0.1:$C/v1/cameras/cam-1/snapshot")
[ "$code" = 201 ] || bail "cam-1 could not push a still ($code)"

get() { # TOKEN PATH [OUT]: prints the status
	curl -s -m 20 -o "${3:-/dev/null}" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H "Authorization: Bearer $1" "https://127.0.0.1:$A$2"
}
calls() { grep -cxF -- "$1" "$CALLS"; }
# audited REASON: auth_failure lines with a digest prefix and REASON.
audited() {
	grep -c "\"event\":\"auth_failure\".*\"session\":\"[0-9a-f]\{12\}\".*\"detail\":\"$1\"" "$T/audit.log"
}
now_s() { date +%s; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

ALICE='opaque-alice+7f3a/x='
cat > "$RULES" <<EOT
{ "$ALICE": { "answer": { "active": true, "sub": "acct-1", "exp": $(( $(now_s) + 3600 )),
                          "scope": "camera", "client_id": "platform" } },
  "opaque-cached": { "answer": { "active": true, "sub": "acct-1" } },
  "opaque-inactive": { "answer": { "active": false } },
  "opaque-mallory": { "answer": { "active": true, "sub": "mallory" } },
  "opaque-slow": { "sleep": 3, "answer": { "active": true, "sub": "acct-1" } },
  "opaque-500": { "status": 500 },
  "opaque-dup": { "raw": "{\"active\": false, \"sub\": \"acct-1\", \"active\": true}" },
  "opaque-noactive": { "raw": "{\"sub\": \"acct-1\"}" },
  "opaque-trailing": { "raw": "{\"active\": true, \"sub\": \"acct-1\"} {}" } }
EOT

# --- active, cached ---------------------------------------------------------
is "an active token of acct-1 fetches cam-1's still" \
	"$(get "$ALICE" /v1/cameras/cam-1/snapshot "$T/got/still")" 200
ok "the still is cam-1's" grep -aq 'lenscap-truth device=cam-1' "$T/got/still"
is "the endpoint was asked once, with the token form-encoded" "$(calls "$ALICE")" 1
is "a second fetch within cache_ms asks the endpoint no more" \
	"$(get "$ALICE" /v1/cameras/cam-1/snapshot)/$(calls "$ALICE")" 200/1
is "the same token on another account's camera: 404" \
	"$(get "$ALICE" /v1/cameras/cam-3/snapshot)" 404
ok "that is audited as a deny of acct-1" \
	grep -q '"event":"deny".*"account":"acct-1","device":"cam-3"' "$T/audit.log"

# --- refused: 401 ------------------------------------------------------------
is "an inactive token: 401" "$(get opaque-inactive /v1/cameras/cam-1/snapshot)" 401
is "audited: introspection: inactive" "$(audited 'introspection: inactive')" 1
is "the refusal is cached: 401 again, the endpoint not asked again" \
	"$(get opaque-inactive /v1/cameras/cam-1/snapshot)/$(calls opaque-inactive)" 401/1
is "audited again" "$(audited 'introspection: inactive')" 2
is "an active token of a subject that is no account: 401" \
	"$(get opaque-mallory /v1/cameras/cam-1/snapshot)" 401
is "audited: introspection: unknown sub" "$(audited 'introspection: unknown sub')" 1
is "a token the endpoint never heard of: 401 (inactive)" \
	"$(get opaque-stranger /v1/cameras/cam-1/snapshot)" 401
failures0=$(metric lenscap_introspection_failures_total)
is "no failure counted yet" "$failures0" 0

# --- fail closed: 503 --------------------------------------------------------
t0=$(ms)
is "an endpoint slower than timeout_ms: 503" "$(get opaque-slow /v1/cameras/cam-1/snapshot)" 503
t1=$(ms)
ok "refused after about timeout_ms, not after the endpoint's 3 s ($((t1 - t0)) ms)" \
	[ $((t1 - t0)) -lt 2800 ]
is "audited: introspection: timeout" "$(audited 'introspection: timeout')" 1
is "counted" "$(metric lenscap_introspection_failures_total)" 1
is "a 500 from the endpoint: 503" "$(get opaque-500 /v1/cameras/cam-1/snapshot)" 503
is "audited: introspection: answered 500" "$(audited 'introspection: answered 500')" 1
is "failures are not cached: asked again" \
	"$(get opaque-500 /v1/cameras/cam-1/snapshot)/$(calls opaque-500)" 503/2
is "an answer with a key twice: 503" "$(get opaque-dup /v1/cameras/cam-1/snapshot)" 503
is "an answer without active: 503" "$(get opaque-noactive /v1/cameras/cam-1/snapshot)" 503
is "an answer with bytes after it: 503" "$(get opaque-trailing /v1/cameras/cam-1/snapshot)" 503
is "audited: introspection: malformed answer, each" \
	"$(audited 'introspection: malformed answer')" 3
ok "the page is the problem \"session service unavailable\"" \
	sh -c "curl -s --cacert '$T/pki/ca.crt' -H 'Authorization: Bearer opaque-500' \
		https://127.0.0.1:$A/v1/cameras/cam-1/snapshot | grep -q 'session service unavailable'"
is "every failure counted" "$(metric lenscap_introspection_failures_total)" 7

# --- an expiring token ends a live stream --------------------------------------
NOW=$(( $(date +%s) * 1000 ))
{ for k in $(seq 1 400); do part ingest cam-1 "$k"; done; printf -- '--vendor-boundary--\r\n'; } \
	> "$(stream_file cam-1)"
EXP=$(( $(now_s) + 5 ))
python3 - "$RULES" "$EXP" <<'EOT'
import json, sys
rules = json.load(open(sys.argv[1]))
rules["opaque-expiring"] = {"answer": {"active": True, "sub": "acct-1", "exp": int(sys.argv[2])}}
json.dump(rules, open(sys.argv[1] + ".new", "w"))
EOT
mv "$RULES.new" "$RULES"
t0=$(now_s)
code=$(curl -s -N -m 30 -o "$T/got/live" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
	-H 'Authorization: Bearer opaque-expiring' "https://127.0.0.1:$A/v1/cameras/cam-1/live")
t1=$(now_s)
is "a token that expires in 5 s starts a live stream" "$code" 200
ok "frames came before the expiry" grep -aq 'lenscap-truth device=cam-1' "$T/got/live"
ok "the stream ended at the token's exp ($((t1 - EXP)) s after it; the backend's lasts 40 s)" \
	[ "$t1" -ge "$EXP" ] && [ "$t1" -le $((EXP + 3)) ]
ok "the end is audited as a drop (not granted)" \
	grep -q '"event":"drop".*"device":"cam-1".*"reason":"not_granted"' "$T/audit.log"
is "after its exp the token is refused (401, expired)" \
	"$(get opaque-expiring /v1/cameras/cam-1/snapshot)" 401

# --- the endpoint down ---------------------------------------------------------
# A token asked for the first time now, so that its answer is cached for
# the whole minute after (alice's may be near its end on a loaded
# machine), then the endpoint goes.
is "a token asked for the first time: 200" "$(get opaque-cached /v1/cameras/cam-1/snapshot)" 200
kill "$PY_PID"; wait "$PY_PID" 2>/dev/null
is "the endpoint down: 503" "$(get opaque-down /v1/cameras/cam-1/snapshot)" 503
is "audited: introspection: answered 502 (nginx's)" "$(audited 'introspection: answered 502')" 1
is "counted" "$(metric lenscap_introspection_failures_total)" 8
is "a cached session still holds while the endpoint is down" \
	"$(get opaque-cached /v1/cameras/cam-1/snapshot)" 200
is "static sessions are untouched" \
	"$(get token-of-account-1 /v1/cameras/cam-1/snapshot)" 200

# --- tokens never logged --------------------------------------------------------
is "no token in the audit trail" "$(grep -c 'opaque' "$T/audit.log")" 0
is "nor in lenscapd's log" "$(grep -c 'opaque' "$T/lenscapd.stderr")" 0
done_testing
