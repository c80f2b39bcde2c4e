#!/bin/sh
# liblenscap's interface is lenscap.h: the shared library exports the
# functions the header declares, and none of its internal ones.
. "$top_srcdir/tests/unit/tap.sh"
so="$top_builddir/lib/.libs/liblenscap.so"
if [ ! -e "$so" ]; then
	echo "1..0 # SKIP no shared liblenscap (configured with --disable-shared)"
	exit 0
fi
# Every lc_ name it defines, functions or not: lenscap.h declares functions only.
# $NM is the one configure found (libtool's), for cross builds.
exported=$(${NM:-nm} -D --defined-only "$so" | awk '$3 ~ /^lc_/ { print $3 }' | sort -u)
declared=$(sed -n 's/^[a-z].*[ *]\(lc_[a-z0-9_]*\)(.*/\1/p' "$top_srcdir/lib/lenscap.h" | sort -u)
ok "nm lists the exported functions" test "$(echo "$exported" | wc -l)" -ge 20
is "the library exports exactly the functions lenscap.h declares" \
	"$(echo "$exported" | tr '\n' ' ')" "$(echo "$declared" | tr '\n' ' ')"
done_testing
