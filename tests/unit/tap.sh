# TAP helpers for the shell tests: source it, call ok/is, then done_testing.
# Each test gets a private temporary directory, removed on exit.
set -u
tap_n=0
tap_fail=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lenscap-test.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT

# ok DESCRIPTION COMMAND...: passes when the command exits 0.
ok() {
	desc=$1; shift
	tap_n=$((tap_n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		tap_fail=$((tap_fail + 1))
	fi
}

# is DESCRIPTION GOT WANT
is() {
	tap_n=$((tap_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $tap_n - $1"
	else
		echo "not ok $tap_n - $1"
		printf '#   got:  %s\n#   want: %s\n' "$2" "$3"
		tap_fail=$((tap_fail + 1))
	fi
}

# skip DESCRIPTION REASON: a check that cannot run here.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
}
