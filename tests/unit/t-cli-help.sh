#!/bin/sh
# A flag that is not in the man page does not exist: lenscap --help and
# lenscap(1) must list the same options.
. "$top_srcdir/tests/unit/tap.sh"
L="$top_builddir/cli/lenscap"

# help_flags PROGRAM / man_flags PAGE: the flags each lists, sorted.
# A man page's options are its .It Fl lines ("Fl -help" is --help).
help_flags() {
	"$1" --help | grep -oE '(^|[ ,[|])-(-[a-z][a-z-]*|[a-zA-Z])\b' |
		sed 's/^[ ,[|]*//' | sort -u | tr '\n' ' '
}
man_flags() {
	grep -E '^\.It Fl ' "$top_srcdir/man/$1" |
		grep -oE 'Fl -?[a-zA-Z][a-z-]*' | sed 's/^Fl /-/' | sort -u | tr '\n' ' '
}

help_flags=$(help_flags "$L")
is "--help and lenscap(1) list the same flags" "$help_flags" "$(man_flags lenscap.1)"
ok "at least ten flags found" test "$(echo $help_flags | wc -w)" -ge 10

commands_help=$("$L" --help | grep -oE '^ +lenscap [a-z-]+' | awk '{print $2}' | sort -u | tr '\n' ' ')
commands_man=$(grep -E '^\.It Cm ' "$top_srcdir/man/lenscap.1" | awk '{print $3}' |
	sort -u | tr '\n' ' ')
is "--help and lenscap(1) list the same commands" "$commands_help" "$commands_man"
D="$top_builddir/proxy/lenscapd"
is "lenscapd --help and lenscapd(8) list the same flags" "$(help_flags "$D")" \
	"$(man_flags lenscapd.8)"
# The synopsis's bundled flags (-ftv) count too.
syn=$("$D" --help | grep -oE '\[-[a-z]+\]' | tr -d '[]-' | fold -w1 | sed 's/^/-/' | sort -u | tr '\n' ' ')
for f in $syn; do
	ok "lenscapd $f is in lenscapd(8)" grep -qE "^\.It Fl $(echo "$f" | cut -c2)( |\$)" "$top_srcdir/man/lenscapd.8"
done

if command -v mandoc >/dev/null 2>&1; then
	for m in lenscap.1 lenscapd.8 lenscap.policy.5 lenscap-envelope.7; do
		ok "mandoc -Tlint finds nothing in $m" mandoc -Tlint -Wwarning "$top_srcdir/man/$m"
	done
fi
done_testing
