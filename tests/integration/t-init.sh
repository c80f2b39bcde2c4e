#!/bin/bash
# lenscap init: the directory it makes is a working starting point.
# lenscapd -t passes on it and lenscapd -f serves it with no further
# step: the camera it made pushes a still with its device token, and the
# account it made fetches it with its session token, through real nginx
# as the backend.  Secrets are 0600 in 0700 directories; the policy holds
# digests only; a second init into the same directory refuses and changes
# nothing; a failing init leaves nothing behind.
. "$top_srcdir/tests/integration/lib.sh"
mkdir -p "$T/nginx" "$T/store" "$T/got" || bail mkdir
chmod 755 "$T"
STORE=$(free_port)
{ nginx_head; cat <<EOT
  server {   # the frame store
    listen 127.0.0.1:$STORE;
    root $T/store;
    client_max_body_size 8m;
    location /frames/ { dav_methods PUT; create_full_put_path on; }
  }
}
EOT
} > "$T/nginx/nginx.conf"
start_nginx "$T/nginx/nginx.conf"
wait_port "$STORE" || bail "nginx did not start: $(cat "$T/nginx/stderr")"

D="$T/etc"
ok "lenscap init makes a directory" \
	"$L" init -b "http://127.0.0.1:$STORE" -l 127.0.0.1 -p 0 "$D"
[ -s "$D/lenscap.json" ] || bail "no policy made"

# mode FILE: its permission bits, in octal.
mode() { stat -c %a "$1"; }
is "the directory is 755" "$(mode "$D")" 755
for f in lenscap.json server.crt ingest.pub; do
	is "$f is 644" "$(mode "$D/$f")" 644
done
for d in private tokens; do is "$d/ is 700" "$(mode "$D/$d")" 700; done
for f in private/ingest.sec private/seal.mac private/server.key tokens/cam-1.token \
	tokens/alice.token; do
	is "$f is 600" "$(mode "$D/$f")" 600
done
cam_token=$(cat "$D/tokens/cam-1.token")
session=$(cat "$D/tokens/alice.token")
ok "the tokens are long and random" \
	test "${#cam_token}" -ge 43 -a "${#session}" -ge 43 -a "$cam_token" != "$session"
no_secret_in_policy() {
	! grep -qF -e "$cam_token" -e "$session" -e "$(cut -d' ' -f2 "$D/private/ingest.sec")" \
		-e "$(cut -d' ' -f2 "$D/private/seal.mac")" "$D/lenscap.json"
}
ok "the policy holds no token and no secret key" no_secret_in_policy
ok "it holds the device token's digest" grep -q "$(token_digest "$cam_token")" "$D/lenscap.json"
ok "and the session token's" grep -q "$(token_digest "$session")" "$D/lenscap.json"
ok "every section is commented" \
	test "$(grep -cE '^ *//' "$D/lenscap.json")" -ge 20
ok "the certificate is self-signed, for 127.0.0.1" \
	sh -c "certtool --verify --load-ca-certificate '$D/server.crt' --infile '$D/server.crt' \
		--verify-hostname 127.0.0.1 >/dev/null 2>&1 || \
		certtool -i --infile '$D/server.crt' | grep -q 'IPAddress: 127.0.0.1'"
ok "lenscap check-policy passes" "$L" check-policy "$D/lenscap.json"
ok "lenscapd -t passes" "$LENSCAPD" -t -c "$D/lenscap.json"
ok "the default init (no option) passes lenscapd -t too" \
	sh -c "'$L' init '$T/defaults' >/dev/null && '$LENSCAPD' -t -c '$T/defaults/lenscap.json'"
ok "it listens on 0.0.0.0:8443 and 8444, admin on 127.0.0.1:8445" \
	sh -c "grep -q '\"0.0.0.0:8443\"' '$T/defaults/lenscap.json' &&
		grep -q '\"0.0.0.0:8444\"' '$T/defaults/lenscap.json' &&
		grep -q '\"127.0.0.1:8445\"' '$T/defaults/lenscap.json'"
"$L" init -S "$T/unit" > "$T/unit.out" || bail "lenscap init -S failed"
ok "init -S: the policy names the ingest key by the unit's credential path" \
	grep -qF '"ingest_key": "/run/credentials/lenscapd.service/key_ingest.sec"' "$T/unit/lenscap.json"
is "and the TLS key, on both faces" \
	"$(grep -cF '"key": "/run/credentials/lenscapd.service/key_server.key"' "$T/unit/lenscap.json")" 2
ok "and no secret by its path in private/" sh -c "! grep -q '\"private/' '$T/unit/lenscap.json'"
ok "the secrets are still made in private/, 600" \
	test "$(mode "$T/unit/private/ingest.sec")" = 600 -a "$(mode "$T/unit/private/server.key")" = 600
ok "it says to start it with systemctl" grep -q 'systemctl start lenscapd' "$T/unit.out"
"$L" init -S -b 'https://frames.example/with/a/path' "$T/bad-unit" >/dev/null 2>&1
is "init -S checks the rest of the policy too: a bad one fails (exit 1)" "$?" 1
ok "and leaves nothing behind, not even the copy it checked" test ! -e "$T/bad-unit"
ok "two inits make different keys and tokens" sh -c \
	"! cmp -s '$D/ingest.pub' '$T/defaults/ingest.pub' &&
	 ! cmp -s '$D/tokens/alice.token' '$T/defaults/tokens/alice.token' &&
	 ! cmp -s '$D/server.crt' '$T/defaults/server.crt'"

start_lenscapd "$D/lenscap.json" || bail "lenscapd did not serve the policy lenscap init made"
A=$(port_of assistant); C=$(port_of camera); M=$(port_of admin)
ok "the admin listener answers /healthz" curl -sf -m 5 "http://127.0.0.1:$M/healthz"

frame cam-1 1 > "$T/still.jpg"
push() { # TOKEN
	curl -s -m 10 -o /dev/null -w '%{http_code}' --cacert "$D/server.crt" -X PUT \
		-H "Authorization: Bearer $1" -H 'Content-Type: image/jpeg' \
		--data-binary @"$T/still.jpg" "https://127.0.0.1:$C/v1/cameras/cam-1/snapshot"
}
fetch() { # TOKEN OUT
	curl -s -m 10 -o "$2" -w '%{http_code}' --cacert "$D/server.crt" \
		-H "Authorization: Bearer $1" "https://127.0.0.1:$A/v1/cameras/cam-1/snapshot"
}
is "cam-1 pushes a still with its device token (TLS verified with server.crt)" \
	"$(push "$cam_token")" 201
ok "the backend stored it sealed, for cam-1, with the keyed seal" \
	"$L" open -k "$D/private/seal.mac" -d cam-1 -i "$T/store/frames/cam-1/latest.lcf" \
	-o "$T/got/opened"
ok "which the ingest key's public half does not open" \
	sh -c "! '$L' open -k '$D/ingest.pub' -i '$T/store/frames/cam-1/latest.lcf' -o '$T/got/never' 2>'$T/open.err' &&
	! test -e '$T/got/never' &&
	grep -q unknown_key '$T/open.err'"
is "alice fetches it with her session token" "$(fetch "$session" "$T/got/still")" 200
ok "byte for byte the still cam-1 sent" cmp "$T/got/still" "$T/still.jpg"
is "a wrong device token cannot push" "$(push "not-$cam_token")" 401
is "the device token is no session" "$(fetch "$cam_token" "$T/got/x")" 401

# A second init into the same directory refuses and changes nothing.
snapshot() { (cd "$D" && find . -printf '%p %m %s\n' | sort && cat $(find . -type f | sort)) | sha256; }
before=$(snapshot)
"$L" init -b "http://127.0.0.1:$STORE" -l 127.0.0.1 -p 0 "$D" >/dev/null 2>"$T/again.err"
is "a second init refuses (exit 3)" "$?" 3
ok "and says which file exists" grep -q 'lenscap.json exists' "$T/again.err"
is "and changes nothing" "$(snapshot)" "$before"
# One file in the way is enough, and nothing else is written then.
mkdir -p "$T/one/tokens" && echo keep > "$T/one/tokens/alice.token"
"$L" init "$T/one" >/dev/null 2>&1
is "init refuses when any file it would write exists" "$?" 3
is "and writes nothing beside it" "$(cd "$T/one" && find . | sort | tr '\n' ' ')" \
	". ./tokens ./tokens/alice.token "
is "the file in the way is untouched" "$(cat "$T/one/tokens/alice.token")" keep
# A policy that does not load (a backend URL with a path) is not left behind.
"$L" init -b 'https://frames.example/with/a/path' "$T/bad" >/dev/null 2>&1
is "an init whose policy does not load fails (exit 1)" "$?" 1
ok "and leaves no directory behind" test ! -e "$T/bad"
"$L" init -p 70000 "$T/bad" >/dev/null 2>&1
is "a bad port is a usage error" "$?" 2
"$L" init -b 'http://x", "plain": false' "$T/bad" >/dev/null 2>&1
is "a URL that would inject JSON is a usage error" "$?" 2
ok "umask does not loosen or tighten the modes" sh -c \
	"umask 077 && '$L' init '$T/umask' >/dev/null && test \"\$(stat -c %a '$T/umask/lenscap.json')\" = 644 &&
	 umask 000 && '$L' init '$T/umask0' >/dev/null && test \"\$(stat -c %a '$T/umask0/private/ingest.sec')\" = 600"
done_testing
