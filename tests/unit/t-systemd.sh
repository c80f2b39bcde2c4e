#!/bin/sh
# The systemd unit: generated, Type=notify, checks the policy before it
# starts and before it signals a reload, fully sandboxed, uses only flags
# that lenscapd has, and (where systemd-analyze exists) verifies clean.
. "$top_srcdir/tests/unit/tap.sh"
U="$top_builddir/contrib/systemd/lenscapd.service"
D="$top_builddir/proxy/lenscapd"

ok "the unit was generated" test -s "$U"
[ -s "$U" ] || { done_testing; exit 1; }
no_subst() { ! grep -q '@[a-z_]*@' "$U"; }
ok "no @variable@ is left in it" no_subst

# has LINE: the unit holds exactly this line.
has() { grep -qxF -- "$1" "$U"; }
for line in \
	Type=notify \
	DynamicUser=yes \
	LogsDirectory=lenscap \
	UMask=0077 \
	Restart=on-failure \
	ProtectSystem=strict \
	ProtectHome=yes \
	PrivateTmp=yes \
	PrivateDevices=yes \
	NoNewPrivileges=yes \
	"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
	MemoryDenyWriteExecute=yes \
	SystemCallFilter=@system-service \
	SystemCallArchitectures=native \
	CapabilityBoundingSet=CAP_NET_BIND_SERVICE \
	AmbientCapabilities=CAP_NET_BIND_SERVICE \
	LockPersonality=yes \
	RestrictRealtime=yes \
	RestrictNamespaces=yes \
	ProtectKernelTunables=yes \
	ProtectKernelModules=yes \
	ProtectKernelLogs=yes \
	ProtectControlGroups=yes \
	ProtectClock=yes \
	ProtectHostname=yes \
	ProtectProc=invisible
do
	ok "$line" has "$line"
done

# The values of KEY=, one per line, in order.
values() { sed -n "s/^$1=//p" "$U"; }

start_pre=$(values ExecStartPre)
start=$(values ExecStart)
is "one ExecStartPre=" "$(echo "$start_pre" | wc -l)" 1
is "one ExecStart=" "$(echo "$start" | wc -l)" 1
ok "ExecStartPre= runs lenscapd -t" \
	sh -c 'echo "$1" | grep -qE "^/[^ ]*/lenscapd( .*)? -t( |\$)"' - "$start_pre"
ok "ExecStart= runs lenscapd in the foreground (-f)" \
	sh -c 'echo "$1" | grep -qE "^/[^ ]*/lenscapd( .*)? -f( |\$)"' - "$start"
ok "ExecStart= writes the audit trail under LogsDirectory=" \
	sh -c 'echo "$1" | grep -qE " -A /var/log/lenscap/[^ ]+"' - "$start"
# The check and the daemon read the same policy.
policy_of() { echo "$1" | sed -n 's/.* -c \([^ ]*\).*/\1/p'; }
ok "ExecStart= names its policy with -c" test -n "$(policy_of "$start")"
is "ExecStartPre= checks the policy ExecStart= uses" \
	"$(policy_of "$start_pre")" "$(policy_of "$start")"

# ExecReload: every line that runs lenscapd -t comes before the HUP.
reload=$(values ExecReload)
check_line=$(echo "$reload" | grep -nE '/lenscapd( .*)? -t( |$)' | head -n1 | cut -d: -f1)
hup_line=$(echo "$reload" | grep -nE '^/[^ ]*/kill -HUP \$MAINPID$' | head -n1 | cut -d: -f1)
ok "ExecReload= runs lenscapd -t" test -n "$check_line"
ok "ExecReload= sends SIGHUP to \$MAINPID" test -n "$hup_line"
ok "ExecReload= checks before it signals" test "${check_line:-9}" -lt "${hup_line:-0}"
# systemd 252 does not give ExecReload= the credentials the policy names:
# the check must run in the service's mount namespace, where they are.
ok "ExecReload='s check runs in the service's mount namespace" sh -c \
	'echo "$1" | grep -qE "^\+/[^ ]*/nsenter --target \\\$MAINPID --mount -- /[^ ]*/lenscapd "' \
	- "$(echo "$reload" | sed -n "${check_line:-1}p")"
is "ExecReload= checks the policy ExecStart= uses" \
	"$(policy_of "$(echo "$reload" | sed -n "${check_line:-1}p")")" "$(policy_of "$start")"

# lenscapd's default -g grace is 10 s; SIGKILL must come later than that.
stop=$(values TimeoutStopSec)
ok "TimeoutStopSec= ($stop) is longer than the 10 s grace" \
	sh -c 'case "$1" in *[!0-9]*|"") exit 1;; esac; [ "$1" -gt 10 ] && [ "$1" -le 30 ]' - "$stop"

# Every flag the unit passes to lenscapd is one lenscapd --help lists.
help=$("$D" --help 2>&1)
ok "lenscapd --help works" test -n "$help"
flags=$(printf '%s\n%s\n%s\n' "$start_pre" "$start" "$reload" | grep '/lenscapd' |
	sed 's|.*/lenscapd ||' | tr ' ' '\n' | grep -E '^-' | sort -u)
ok "the unit passes flags to lenscapd" test -n "$flags"
for f in $flags; do
	ok "lenscapd --help lists $f" \
		sh -c 'echo "$1" | grep -qE "^ +$2([ ,]|\$)"' - "$help" "$f"
done

# systemd-analyze verify, on a copy whose lenscapd is the one just built
# (the installed path need not exist yet).
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$TMP/units"
	sed -e "s|^\(Exec[A-Za-z]*=\)/[^ ]*/lenscapd |\1$D |" "$U" \
		>"$TMP/units/lenscapd.service"
	out=$(cd "$TMP/units" && SYSTEMD_LOG_LEVEL=notice \
		systemd-analyze verify --man=no ./lenscapd.service 2>&1)
	rc=$?
	tap_n=$((tap_n + 1))
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		echo "ok $tap_n - systemd-analyze verify is clean"
	else
		echo "not ok $tap_n - systemd-analyze verify is clean (exit $rc)"
		echo "$out" | sed 's/^/#   /'
		tap_fail=$((tap_fail + 1))
	fi
else
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - systemd-analyze verify # SKIP systemd-analyze not installed"
fi
done_testing
