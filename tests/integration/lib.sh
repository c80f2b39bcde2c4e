# Shared by the integration tests: a private directory, an exit trap that
# stops every process a test started (by pid), a throwaway CA made with
# certtool, real nginx as the vendor backend, lenscapd on ports it
# chooses itself and reports in a file.  Tests speak TAP.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
LENSCAPD="$top_builddir/proxy/lenscapd"
T=$(mktemp -d "${TMPDIR:-/tmp}/lenscap-it.XXXXXX") || exit 99
PIDS=""
tap_n=0
tap_fail=0

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
for tool in nginx certtool curl sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done

ok() { # DESCRIPTION COMMAND...
	d=$1; shift
	tap_n=$((tap_n + 1))
	if "$@" >/dev/null 2>&1; then echo "ok $tap_n - $d"
	else echo "not ok $tap_n - $d"; tap_fail=$((tap_fail + 1)); fi
}
is() { # DESCRIPTION GOT WANT
	tap_n=$((tap_n + 1))
	if [ "$2" = "$3" ]; then echo "ok $tap_n - $1"
	else echo "not ok $tap_n - $1"; echo "#   got '$2', want '$3'"; tap_fail=$((tap_fail + 1)); fi
}
done_testing() { echo "1..$tap_n"; [ "$tap_fail" -eq 0 ]; }
bail() { echo "Bail out! $*"; exit 99; }

# A free TCP port on loopback (nginx cannot report one it chose): below
# the kernel's ephemeral range, so that no outgoing connection (of this
# run or another) takes it before nginx binds, and in no socket now.
free_port() {
	local lo hi p
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
	[ "$lo" -gt 12000 ] || lo=32768
	while :; do
		p=$((10000 + $(od -An -N2 -tu2 /dev/urandom) % (lo - 10000)))
		ss -Htan "( sport = :$p )" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

sha256() { sha256sum | cut -d' ' -f1; }
token_digest() { printf '%s' "$1" | sha256; }

# make_ca DIR NAME: a CA key and self-signed certificate.
make_ca() {
	cat > "$1/$2.tmpl" <<EOT
cn = "lenscap test $2"
ca
cert_signing_key
expiration_days = 2
EOT
	certtool --generate-privkey --key-type ed25519 --outfile "$1/$2.key" 2>/dev/null &&
	certtool --generate-self-signed --load-privkey "$1/$2.key" \
		--template "$1/$2.tmpl" --outfile "$1/$2.crt" 2>/dev/null
}

# make_cert DIR CA NAME KIND: a certificate signed by CA; KIND is server
# (for 127.0.0.1) or client.
make_cert() {
	{
		echo "cn = \"$3\""
		echo "expiration_days = 2"
		if [ "$4" = server ]; then
			echo 'ip_address = "127.0.0.1"'; echo 'dns_name = "localhost"'
			echo tls_www_server; echo encryption_key
		else
			echo tls_www_client
		fi
		echo signing_key
	} > "$1/$3.tmpl"
	certtool --generate-privkey --key-type ecdsa --outfile "$1/$3.key" 2>/dev/null &&
	certtool --generate-certificate --load-privkey "$1/$3.key" \
		--load-ca-certificate "$1/$2.crt" --load-ca-privkey "$1/$2.key" \
		--template "$1/$3.tmpl" --outfile "$1/$3.crt" 2>/dev/null
}

# cert_digest FILE: SHA-256 of the certificate's DER, as the policy wants.
cert_digest() {
	certtool --certificate-info --infile "$1" --outder 2>/dev/null | sha256
}

# nginx_head: the start of an nginx.conf whose files all live in $T/nginx,
# up to the opening of its http block.
nginx_head() {
	[ "$(id -u)" -eq 0 ] && echo "user root;"
	cat <<EOT
worker_processes 1;
error_log $T/nginx/error.log;
pid $T/nginx/nginx.pid;
events { worker_connections 256; }
http {
  access_log $T/nginx/access.log;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
EOT
}

# start_nginx CONF: runs nginx in the foreground on CONF, records its pid.
start_nginx() {
	nginx -c "$1" -p "$T/nginx" -g 'daemon off;' 2>"$T/nginx/stderr" &
	PIDS="$PIDS $!"
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s).
wait_port() {
	for _ in $(seq 100); do
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# start_lenscapd POLICY: runs lenscapd in the foreground, with the options
# in $LENSCAPD_ARGS if set; its ports land in $T/ports ("name port" lines)
# and its audit trail in $T/audit.log.
start_lenscapd() {
	rm -f "$T/ports"
	# shellcheck disable=SC2086 # options, one a word
	"$LENSCAPD" -f -v ${LENSCAPD_ARGS:-} -c "$1" -A "$T/audit.log" -P "$T/ports" -p "$T/lenscapd.pid" \
		2>>"$T/lenscapd.stderr" &
	LENSCAPD_PID=$!
	PIDS="$PIDS $LENSCAPD_PID"
	for _ in $(seq 100); do
		[ -s "$T/ports" ] && return 0
		kill -0 "$LENSCAPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/lenscapd.stderr" | sed 's/^/# /'
	return 1
}

# hup: sends lenscapd SIGHUP, waits for the reload's audit event and
# prints its detail ("policy in force", "refused: ...").
hup() {
	local n; n=$(grep -c '"event":"reload"' "$T/audit.log")
	kill -HUP "$LENSCAPD_PID"
	for _ in $(seq 50); do
		[ "$(grep -c '"event":"reload"' "$T/audit.log")" -gt "$n" ] && break; sleep 0.1
	done
	grep '"event":"reload"' "$T/audit.log" | tail -n 1 |
		sed -n 's/.*"event":"reload","detail":"\([^"]*\)".*/\1/p'
}

port_of() { awk -v n="$1" '$1 == n { print $2 }' "$T/ports"; }
# healthz_on FD: asks /healthz on a kept-alive connection; its status line.
healthz_on() {
	local status="" line

	(trap '' PIPE; printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&"$1") 2>/dev/null
	IFS= read -r -t 3 status <&"$1"
	# The rest of the answer: its headers, then "ok\n".
	while IFS= read -r -t 3 line <&"$1" && [ "${line%$'\r'}" != ok ]; do :; done
	echo "${status%$'\r'}"
}
# metric SERIES: its value on the admin listener at port $M.
metric() { curl -s -m 5 "http://127.0.0.1:$M/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }

# --- the scenario shared by the tests ----------------------------------------
# Six cameras (cam-1..6) of three accounts (acct-N sees cam-2N-1, cam-2N),
# session tokens "token-of-account-N", one CA for every certificate, a
# rogue CA, and lenscapd's ingest key.
L="$top_builddir/cli/lenscap"

setup_pki() {
	mkdir -p "$T/pki" "$T/store" "$T/nginx" "$T/frames" "$T/got" || bail mkdir
	chmod 755 "$T"
	make_ca "$T/pki" ca && make_ca "$T/pki" rogue-ca || bail "CA"
	make_cert "$T/pki" ca server server && make_cert "$T/pki" ca backend server || bail cert
	for n in 1 2 3 4 5 6; do make_cert "$T/pki" ca "cam-$n" client || bail "cam-$n cert"; done
	make_cert "$T/pki" rogue-ca rogue client || bail "rogue cert"
	"$L" keygen -o "$T/pki/ingest" >/dev/null || bail keygen
	"$L" keygen -m -o "$T/pki/ingest" >/dev/null || bail "keygen -m"
}

# LENSCAP_SEAL: how lenscapd seals on its camera face, "mac" (the keyed
# seal, the default) or "ed25519" (the ingest key); every test runs with
# either.  seal_section: the policy's "seal" member for it, with a comma.
LENSCAP_SEAL=${LENSCAP_SEAL:-mac}
seal_section() {
	case $LENSCAP_SEAL in
	mac) echo '"seal": { "use": "mac", "mac_secret": "pki/ingest.mac" },' ;;
	ed25519) echo '"seal": { "use": "ed25519" },' ;;
	*) bail "LENSCAP_SEAL is mac or ed25519, not $LENSCAP_SEAL" ;;
	esac
}
# ingest_opener: what opens the frames lenscapd sealed (lenscap open -k).
ingest_opener() {
	[ "$LENSCAP_SEAL" = mac ] && echo "$T/pki/ingest.mac" || echo "$T/pki/ingest.pub"
}
# corrupt_reason: what a frame lenscapd sealed is dropped for when a byte
# of its body changes: the keyed seal's tag covers header and body.
corrupt_reason() {
	[ "$LENSCAP_SEAL" = mac ] && echo bad_signature || echo digest_mismatch
}

# setup_nginx FRAMES_DIRECTIVES STREAMS_DIRECTIVES [FRONT_DIRECTIVES]: the
# vendor backend.  A plain store (WebDAV PUT) and a TLS front that proxies
# /frames/ to it with FRAMES_DIRECTIVES (say, a cache), serves /streams/
# from the store with STREAMS_DIRECTIVES (say, limit_rate), and has
# FRONT_DIRECTIVES at server level (say, ssl_verify_client).  Sets STORE
# and FRONT.
setup_nginx() {
	STORE=$(free_port); FRONT=$(free_port)
	{ nginx_head; cat <<EOT
  proxy_cache_path $T/nginx/cache keys_zone=stills:1m;
  server {   # the frame store
    listen 127.0.0.1:$STORE;
    root $T/store;
    client_max_body_size 8m;
    location /frames/ { dav_methods PUT; create_full_put_path on; }
  }
  server {   # the vendor's front
    listen 127.0.0.1:$FRONT ssl;
    ssl_certificate $T/pki/backend.crt;
    ssl_certificate_key $T/pki/backend.key;
    client_max_body_size 8m;
    ${3:-}
    location /frames/ { proxy_pass http://127.0.0.1:$STORE; $1 }
    location /streams/ {
      root $T/store;
      default_type "multipart/x-mixed-replace; boundary=vendor-boundary";
      $2
    }
    location /streams/pushed/ {   # what cameras push through lenscapd
      root $T/store;
      dav_methods PUT;
      create_full_put_path on;
      default_type "multipart/x-mixed-replace; boundary=lenscap-sealed-frames";
      $2
    }
  }
}
EOT
	} > "$T/nginx/nginx.conf"
	start_nginx "$T/nginx/nginx.conf"
	wait_port "$STORE" && wait_port "$FRONT" || bail "nginx did not start: $(cat "$T/nginx/stderr")"
}

# listeners [ASSISTANT CAMERA ADMIN]: the scenario's three listeners, on
# these addresses (default 127.0.0.1:0 each).
listeners() {
	cat <<EOT
    "assistant": { "listen": "${1:-127.0.0.1:0}",
                   "tls": { "cert": "pki/server.crt", "key": "pki/server.key" } },
    "camera": { "listen": "${2:-127.0.0.1:0}",
                "tls": { "cert": "pki/server.crt", "key": "pki/server.key",
                         "client_ca": "pki/ca.crt" } },
    "admin": { "listen": "${3:-127.0.0.1:0}", "plain": true }
EOT
}

# write_policy ACCT1_DEVICES [LIMITS]: the scenario's policy in $T/policy.json.
# $POLICY_BACKEND, $POLICY_KEYS and $POLICY_ROUTES, when set, add keys to
# "backend", trusted keys to "keys" and routes to "routes" (each starting
# with a comma); $POLICY_TRUST replaces the first trusted key (pki/ingest.pub
# for every device); $POLICY_LISTENERS replaces the listeners' entries;
# $POLICY_SESSIONS adds session sources to "sessions" (starting with a comma).
# $POLICY_ACCOUNTS replaces acct-2's and acct-3's entries (after acct-1's,
# with a comma, or empty); $POLICY_TOP adds top-level keys (each ending
# with a comma).
write_policy() {
	devices=""; sessions=""
	trust=${POLICY_TRUST:-'{ "public_file": "pki/ingest.pub", "devices": ["*"] }'}
	# POLICY_TOKEN_ONLY: the cameras (numbers) whose certificate is not
	# theirs: they prove their device with device-token-N only.
	for n in 1 2 3 4 5 6; do
		case " ${POLICY_TOKEN_ONLY:-} " in
		*" $n "*) auth="\"token_sha256\": \"$(token_digest "device-token-$n")\"" ;;
		*) auth="\"cert_sha256\": \"$(cert_digest "$T/pki/cam-$n.crt")\"" ;;
		esac
		devices="$devices\"cam-$n\": { \"auth\": { $auth } },"
	done
	# POLICY_TOKENS: which account each token-of-account-N belongs to,
	# as N:M pairs (token-of-account-N is acct-M's); a token not named is
	# no session's.
	for pair in ${POLICY_TOKENS:-1:1 2:2 3:3}; do
		sessions="$sessions{ \"token_sha256\": \"$(token_digest "token-of-account-${pair%%:*}")\", \"account\": \"acct-${pair#*:}\" },"
	done
	accounts=', "acct-2": { "devices": ["cam-3", "cam-4"] },
                "acct-3": { "devices": ["cam-5", "cam-6"] }'
	accounts=${POLICY_ACCOUNTS-$accounts}
	cat > "$T/policy.json.new" <<EOT
{
  "listeners": { ${POLICY_LISTENERS:-$(listeners)} },
  "backend": { "url": "https://127.0.0.1:$FRONT", "ca": "pki/ca.crt" ${POLICY_BACKEND:-} },
  "ingest_key": "pki/ingest.sec", ${POLICY_SEAL-$(seal_section)}
  "keys": [ $trust ${POLICY_KEYS:-} ],
  "devices": { ${devices%,} },
  ${POLICY_TOP:-}
  "accounts": { "acct-1": { "devices": [$1] }$accounts },
  "sessions": { "static": [ ${sessions%,} ] ${POLICY_SESSIONS:-} },
  "routes": [
    { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/snapshot",
      "backend": "/frames/{device}/latest.lcf", "media": "snapshot",
      "freshness_ms": 600000, "content_types": ["image/jpeg"] },
    { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/live",
      "backend": "/streams/{device}/live.mjpeg", "media": "mjpeg",
      "freshness_ms": 600000, "content_types": ["image/jpeg"] },
    { "face": "assistant", "method": "GET", "path": "/v1/cameras/{device}/pushed",
      "backend": "/streams/pushed/{device}/live.mjpeg", "media": "mjpeg",
      "freshness_ms": 600000, "content_types": ["image/jpeg"] },
    { "face": "camera", "method": "PUT", "path": "/v1/cameras/{device}/snapshot",
      "backend": "/frames/{device}/latest.lcf", "media": "snapshot",
      "content_types": ["image/jpeg"] },
    { "face": "camera", "method": "PUT", "path": "/v1/cameras/{device}/live",
      "backend": "/streams/pushed/{device}/live.mjpeg", "media": "mjpeg",
      "content_types": ["image/jpeg"] } ${POLICY_ROUTES:-}
  ],
  "limits": { "max_frame_bytes": ${MAX_FRAME_BYTES:-1048576} ${2:+, $2} }
}
EOT
	mv "$T/policy.json.new" "$T/policy.json"
}

# tally CODE BODY CHECK...: counts one answer of an assistant's fetch in
# $delivered, $dropped, $leaked and $other.  A 200 whose BODY fails CHECK
# (run with BODY as its last argument) leaked; a 502 must be the "frame
# refused" problem and hold no byte of a frame.
tally() {
	local code=$1 body=$2
	shift 2
	case $code in
	200)	delivered=$((delivered + 1))
		"$@" "$body" || leaked=$((leaked + 1)) ;;
	502)	dropped=$((dropped + 1))
		grep -q '"title":"frame refused"' "$body" || other=$((other + 1))
		grep -aq 'lenscap-truth' "$body" && leaked=$((leaked + 1)) ;;
	*)	other=$((other + 1)) ;;
	esac
}

# backend_foreign DEVICE PATH: whether the backend's front serves at PATH
# a frame that is not sealed for DEVICE (the proof that a test bites).
backend_foreign() {
	curl -s --cacert "$T/pki/ca.crt" -o "$T/got/direct" "https://127.0.0.1:$FRONT$2"
	! "$L" inspect -i "$T/got/direct" 2>/dev/null | grep -q "\"device\": \"$1\""
}

# frame DEVICE [N]: a synthetic JPEG carrying its true device (and frame
# number) in a COM segment, so that a receiver knows the ground truth.
frame() {
	printf '\377\330\377\376\000\050lenscap-truth device=%-8s frame=%-6s\377\333' "$1" "${2:-0}"
	head -c "${FRAME_BYTES:-20000}" /dev/urandom
	printf '\377\331'
}

# flip_byte FILE OFFSET: changes the byte at OFFSET (to another value, always).
flip_byte() {
	local b; b=$(od -An -tu1 -j "$2" -N1 "$1") || return 1
	printf "\\$(printf %03o $(( (b + 1) % 256 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# part KEY DEVICE N [corrupt]: one frame sealed with pki/KEY.sec at $NOW,
# as a part of a vendor's multipart stream.
part() {
	frame "$2" "$3" > "$T/raw"
	key="$T/pki/$1.sec"
	[ "$1" = ingest ] && [ "$LENSCAP_SEAL" = mac ] && key="$T/pki/ingest.mac"
	"$L" seal -k "$key" -d "$2" -K mjpeg -s live -n "$3" -t "${NOW:?}" \
		-i "$T/raw" -o "$T/sealed" || bail seal
	[ "${4:-}" = corrupt ] && flip_byte "$T/sealed" 300
	printf -- '--vendor-boundary\r\nContent-Type: application/vnd.lenscap.sealed\r\nContent-Length: %d\r\n\r\n' \
		"$(wc -c < "$T/sealed")"
	cat "$T/sealed"
	printf '\r\n'
}
# stream_file DEVICE: the file from which the backend serves DEVICE's stream.
stream_file() { mkdir -p "$T/store/streams/$1"; echo "$T/store/streams/$1/live.mjpeg"; }

# setup_name_cache [NAMES]: nginx as the vendor backend, with /frames/cdn/
# (a link to /frames/ in the store) behind a cache that keys an object by
# its file name alone, the Xiaomi bug for HLS; NAMES: a regex of the
# names it caches (default: every name), so that playlists can stay live.
setup_name_cache() {
	setup_nginx 'proxy_cache stills; proxy_cache_valid 200 1h; set $key $uri; set $nocache 1;
	if ($uri ~ "^/frames/cdn/.*/('"${1:-[^/]+}"')$") { set $key "by-name-only $1"; set $nocache ""; }
	proxy_cache_key $key; proxy_no_cache $nocache; proxy_cache_bypass $nocache;' ""
	mkdir -p "$T/store/frames" && ln -s . "$T/store/frames/cdn" || bail "store link"
}

# play_hls URL SECONDS [OPTION...]: ffmpeg plays URL for SECONDS as a Cast
# receiver or an Echo Show would (no token; OPTIONs are its input's), and
# it must run at least 10 s and decode 250 frames, every object it
# fetched through URL's directory (a capability's); its log is
# $T/player.log (played_segments reads it).
play_hls() {
	local start played frames dir="/${1#https://*/}"
	start=$(date +%s)
	ffmpeg -nostdin -hide_banner -loglevel verbose "${@:3}" -i "$1" -t "$2" -f null - \
		-progress "$T/progress" > "$T/player.log" 2>&1
	is "the player (ffmpeg) exits 0" "$?" 0
	played=$(( $(date +%s) - start ))
	frames=$(sed -n 's/^frame=//p' "$T/progress" | tail -n 1)
	echo "# the player ran $played s and decoded ${frames:-no} frames"
	ok "it played for at least 10 s" test "$played" -ge 10
	ok "and decoded at least 250 frames (10 s at 25/s)" test "${frames:-0}" -ge 250
	ok "every object it fetched came through the capability" \
		sh -c "! grep \"Opening 'https://\" '$T/player.log' | grep -v \"${dir%/index.m3u8}/\""
}

# The segments the last play_hls opened, one name a line.
played_segments() {
	sed -n "s|.*Opening 'https://[^']*/\(index[0-9]*\.ts\)' for reading.*|\1|p" "$T/player.log" | sort -u
}
