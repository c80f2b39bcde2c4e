#!/bin/bash
# Introspected sessions: a token the endpoint revokes ends a live stream
# within cache_ms even with no "exp"; a reload that changes the endpoint's
# audience finds none of the answers cached before; a reload that removes
# introspection ends the streams it vouched for.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
RULES="$T/rules.json"; CALLS="$T/calls"
echo '{}' > "$RULES"; : > "$CALLS"
python3 "$top_srcdir/tests/integration/introspect-responder.py" "$T/py.port" "$RULES" "$CALLS" &
PY_PID=$!; PIDS="$PIDS $PY_PID"
for _ in $(seq 100); do [ -s "$T/py.port" ] && break; sleep 0.1; done
PYPORT=$(cat "$T/py.port")
setup_nginx "" "limit_rate 200k;" \
	"location /oauth/introspect { proxy_pass http://127.0.0.1:$PYPORT; }"
FRAME_BYTES=4000
intro() { echo ", \"introspection\": { \"path\": \"/oauth/introspect\", \"cache_ms\": ${CMS:-1000},
    \"negative_cache_ms\": 1000, \"cache_entries\": 100, \"timeout_ms\": 2000 $1 }"; }
POLICY_SESSIONS=$(intro ', "audience": "aud-A"') write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant)
NOW=$(( $(date +%s) * 1000 ))
{ for k in $(seq 1 400); do part ingest cam-1 "$k"; done; printf -- '--vendor-boundary--\r\n'; } > "$(stream_file cam-1)"
mkdir -p "$T/store/frames/cam-1"; frame cam-1 > "$T/raw"
"$L" seal -k "$T/pki/ingest.sec" -d cam-1 -K snapshot -t "$NOW" -i "$T/raw" -o "$T/store/frames/cam-1/latest.lcf"
get() { curl -s -m 20 -o "${3:-/dev/null}" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H "Authorization: Bearer $1" "https://127.0.0.1:$A$2"; }
calls() { grep -cxF -- "$1" "$CALLS"; }
rules() { printf '%s\n' "$1" > "$RULES"; }

# 1. no exp in the answer; revoked at the endpoint while a stream is live
rules '{ "tok-noexp": { "answer": { "active": true, "sub": "acct-1", "aud": "aud-A" } } }'
t0=$(date +%s)
curl -s -N -m 60 -o "$T/got/live1" --cacert "$T/pki/ca.crt" -H 'Authorization: Bearer tok-noexp' \
	"https://127.0.0.1:$A/v1/cameras/cam-1/live" & C1=$!
sleep 2
rules '{ "tok-noexp": { "answer": { "active": false } } }'
sleep 1.5
is "revoked token, new request after cache_ms: 401" "$(get tok-noexp /v1/cameras/cam-1/snapshot)" 401
wait $C1; t1=$(date +%s)
n=$(grep -aoc 'lenscap-truth device=cam-1' "$T/got/live1")
echo "# live stream under a revoked no-exp token: $n of 400 frames, $((t1 - t0)) s"
ok "the stream under the revoked token ended early" [ "$n" -lt 400 ]
ok "within cache_ms and a little (under 6 s)" [ $((t1 - t0)) -lt 6 ]

# 2. cached answer survives a reload that changes the audience
rules '{ "tok-bob": { "answer": { "active": true, "sub": "acct-1", "aud": "aud-A", "exp": 4102444800 } },
         "tok-carol": { "answer": { "active": true, "sub": "acct-1", "aud": "aud-A", "exp": 4102444800 } } }'
POLICY_SESSIONS=$(CMS=60000 intro ', "audience": "aud-A"') write_policy '"cam-1", "cam-2"'
is "a reload that keeps answers a minute" "$(hup)" "policy in force"
is "bob under aud-A: 200" "$(get tok-bob /v1/cameras/cam-1/snapshot)" 200
POLICY_SESSIONS=$(CMS=60000 intro ', "audience": "aud-B"') write_policy '"cam-1", "cam-2"'
is "reload" "$(hup)" "policy in force"
is "carol (fresh lookup) under aud-B: 401" "$(get tok-carol /v1/cameras/cam-1/snapshot)" 401
is "bob's answer cached under aud-A is not used under aud-B" "$(get tok-bob /v1/cameras/cam-1/snapshot)" 401
echo "# bob endpoint calls: $(calls tok-bob)"

# 3. reload removing introspection entirely while a stream is live
POLICY_SESSIONS=$(intro ', "audience": "aud-A"') write_policy '"cam-1", "cam-2"'
is "reload" "$(hup)" "policy in force"
NOW=$(( $(date +%s) * 1000 ))
{ for k in $(seq 1 400); do part ingest cam-1 "$k"; done; printf -- '--vendor-boundary--\r\n'; } > "$(stream_file cam-1)"
curl -s -N -m 60 -o "$T/got/live3" --cacert "$T/pki/ca.crt" -H 'Authorization: Bearer tok-bob' \
	"https://127.0.0.1:$A/v1/cameras/cam-1/live" & C3=$!
sleep 2
POLICY_SESSIONS="" write_policy '"cam-1", "cam-2"'
is "a reload without introspection" "$(hup)" "policy in force"
is "bob, new request: 401" "$(get tok-bob /v1/cameras/cam-1/snapshot)" 401
wait $C3
n=$(grep -aoc 'lenscap-truth device=cam-1' "$T/got/live3")
echo "# live stream after the session source was removed: $n of 400"
ok "the stream ended when its session source was removed" [ "$n" -lt 400 ]
grep '"event":"drop"' "$T/audit.log" | tail -3 | sed 's/^/# /'
done_testing
