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

# A free TCP port on loopback (nginx cannot report one it chose).
free_port() {
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
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

# start_lenscapd POLICY: runs lenscapd in the foreground; its ports land
# in $T/ports ("name port" lines) and its audit trail in $T/audit.log.
start_lenscapd() {
	rm -f "$T/ports"
	"$LENSCAPD" -f -v -c "$1" -A "$T/audit.log" -P "$T/ports" -p "$T/lenscapd.pid" \
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

port_of() { awk -v n="$1" '$1 == n { print $2 }' "$T/ports"; }
