#!/bin/bash
# A reload between a still's vouch and its release.  The backend thread
# checks a still's seal once its last byte is in (the vouch), and the
# worker's release does not check it again unless the policy changed in
# between (proxy/assistant/gate.h, struct gate_proof).  Here the backend
# sends the whole sealed frame, then holds the end of its chunked answer
# while lenscapd reloads a policy that no longer trusts the frame's key:
# the release must check the seal again and drop the frame (502,
# audited unknown_key), not release it on the old policy's word.  The
# same still with no reload in between is released, so the route works.
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
setup_pki
"$L" keygen -o "$T/pki/vendor" >/dev/null || bail "keygen vendor"

# The held backend: GET /held/DEVICE answers $T/held.lcf as one chunk,
# touches $T/served, then ends the answer only once $T/go exists (30 s
# at most); a new answer waits for a new $T/go.
cat > "$T/held.py" <<'EOT'
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]


class Held(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        with open(os.path.join(DIR, "held.lcf"), "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.lenscap.sealed")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
        self.wfile.flush()
        open(os.path.join(DIR, "served"), "w").close()
        go = os.path.join(DIR, "go")
        for _ in range(300):
            if os.path.exists(go):
                break
            time.sleep(0.1)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


srv = ThreadingHTTPServer(("127.0.0.1", 0), Held)
with open(os.path.join(DIR, "py.port.new"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "py.port.new"), os.path.join(DIR, "py.port"))
srv.serve_forever()
EOT
python3 "$T/held.py" "$T" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$T/py.port" ] && break; sleep 0.1; done
PYPORT=$(cat "$T/py.port") || bail "held backend did not start"

# Through nginx's TLS front, unbuffered, so that the frame reaches
# lenscapd before the answer ends.
setup_nginx "" "" "location /held/ { proxy_pass http://127.0.0.1:$PYPORT;
      proxy_http_version 1.1; proxy_buffering off; proxy_read_timeout 60s; }"
HELD_ROUTE=', { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/held",
      "backend": "/held/{device}", "media": "snapshot", "freshness_ms": 600000,
      "content_types": ["image/jpeg"] }'
VENDOR_KEY=', { "public_file": "pki/vendor.pub", "devices": ["cam-1"] }'
POLICY_ROUTES=$HELD_ROUTE POLICY_KEYS=$VENDOR_KEY write_policy '"cam-1", "cam-2"'
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
A=$(port_of assistant)

# cam-1's still, sealed by the vendor's key, now.
frame cam-1 > "$T/raw"
"$L" seal -k "$T/pki/vendor.sec" -d cam-1 -K snapshot -t $(( $(date +%s) * 1000 )) \
	-i "$T/raw" -o "$T/held.lcf" || bail seal

# held_get OUT: alice's fetch of cam-1's held still, in the background;
# waits until the backend has sent the whole frame and a second more, so
# that lenscapd has it (and has vouched for it) before the answer ends.
held_get() {
	rm -f "$T/served" "$T/go" "$T/code"
	curl -s -m 60 -o "$1" -w '%{http_code}' --cacert "$T/pki/ca.crt" \
		-H "Authorization: Bearer token-of-account-1" \
		"https://127.0.0.1:$A/v1/cameras/cam-1/held" > "$T/code" &
	GET_PID=$!
	for _ in $(seq 300); do [ -e "$T/served" ] && break; sleep 0.1; done
	[ -e "$T/served" ] || bail "the held backend was not asked"
	sleep 1
}
# held_end: lets the backend end its answer and waits for the fetch; its
# status is then in $T/code (not in a subshell: it waits for the fetch).
held_end() {
	touch "$T/go"
	wait "$GET_PID"
}
drops() { grep -c "\"event\":\"drop\".*\"reason\":\"$1\"" "$T/audit.log"; }

held_get "$T/got/control"
held_end
is "no reload: the held still is released" "$(cat "$T/code")" 200
ok "... its bytes are cam-1's frame" cmp -s "$T/got/control" "$T/raw"

held_get "$T/got/reloaded"
POLICY_ROUTES=$HELD_ROUTE POLICY_KEYS="" write_policy '"cam-1", "cam-2"'
is "the reload that drops the vendor's key is in force" "$(hup)" "policy in force"
freed() { grep -c "a replaced policy freed in" "$T/lenscapd.stderr"; }
sleep 1.5 # the replaced policies no request holds are freed once a second
is "the replaced policy is not freed while the still holds it" "$(freed)" 0
before=$(drops unknown_key)
held_end
is "a reload between vouch and release: the still is refused" "$(cat "$T/code")" 502
ok "... with no byte of the frame" sh -c "! grep -aq lenscap-truth '$T/got/reloaded'"
is "... audited as unknown_key: its seal was checked again" "$(drops unknown_key)" \
	$((before + 1))
for _ in $(seq 30); do [ "$(freed)" = 1 ] && break; sleep 0.1; done
is "once it is answered, the replaced policy is freed" "$(freed)" 1
done_testing
