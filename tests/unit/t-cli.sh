#!/bin/sh
# The lenscap command end to end on real files: keys, seal, open, inspect,
# exit codes, and that a refused frame writes no byte of its body.
. "$top_srcdir/tests/unit/tap.sh"
L="$top_builddir/cli/lenscap"
cd "$TMP" || exit 99

# run CMD...: sets $rc, $out (stdout) and $err (stderr) of the command.
run() {
	"$@" >out 2>err
	rc=$?
	out=$(cat out)
	err=$(cat err)
}

run "$L" keygen -o alice
is "keygen exits 0" "$rc" 0
ok "keygen prints a 32-hex key id" sh -c "printf '%s' '$out' | grep -Eq '^[0-9a-f]{32}$'"
is "secret key mode 0600" "$(stat -c %a alice.sec)" 600
ok "public key file" grep -q '^lenscap-public-key-v1 ' alice.pub
run "$L" keygen -o alice
is "keygen refuses to overwrite" "$rc" 3
ok "and says so" grep -q 'alice.sec: already exists' err
"$L" keygen -o bob >/dev/null || exit 99

printf 'JPEG of cam-a\377\330' > a.jpg
printf 'JPEG of cam-b\377\330' > b.jpg
run "$L" seal -k alice.sec -d cam-a -K mjpeg -s s1 -n 9 -t 1764000000000 -i a.jpg -o a.lcf
is "seal exits 0" "$rc" 0
"$L" seal -k bob.sec -d cam-b -i b.jpg -o b.lcf || exit 99

run "$L" open -k alice.pub=cam-a -k bob.pub=cam-b -d cam-a -i a.lcf -o a.out
is "open exits 0" "$rc" 0
ok "body is byte-identical" cmp a.jpg a.out
"$L" open -k alice.pub=cam-a < a.lcf > a.stdout
ok "standard input and output" cmp a.jpg a.stdout

# The core idea: a backend that hands cam-b's frame to cam-a's viewer.
run "$L" open -k alice.pub=cam-a -k bob.pub=cam-b -d cam-a -i b.lcf -o swapped.out
is "swapped frame refused" "$rc" 1
is "reason device_mismatch" "$err" "lenscap: refused: device_mismatch"
ok "no output file for a refused frame" test ! -e swapped.out
run "$L" open -k alice.pub=cam-a -d cam-a -i b.lcf
is "refused frame writes nothing to stdout" "$(wc -c < out | tr -d ' ')" 0
is "unknown key" "$err" "lenscap: refused: unknown_key"
run "$L" open -k bob.pub=cam-x -i b.lcf
is "key not allowed for device" "$err" "lenscap: refused: key_not_allowed_for_device"

# Damage: one body byte, a truncation, a trailing byte, a header byte.
sz=$(wc -c < a.lcf)
{ head -c $((sz - 1)) a.lcf; printf 'X'; } > damaged.lcf
run "$L" open -k alice.pub -i damaged.lcf
is "digest mismatch" "$err" "lenscap: refused: digest_mismatch"
head -c $((sz - 1)) a.lcf > short.lcf
run "$L" open -k alice.pub -i short.lcf
is "length mismatch (truncated)" "$err" "lenscap: refused: length_mismatch"
{ cat a.lcf; printf 'J'; } > long.lcf
run "$L" open -k alice.pub -i long.lcf
is "length mismatch (trailing byte)" "$err" "lenscap: refused: length_mismatch"
cp a.lcf hdr.lcf
printf '\001' | dd of=hdr.lcf bs=1 seek=35 conv=notrunc 2>/dev/null # inside seq
run "$L" open -k alice.pub -i hdr.lcf
is "header changed: bad signature" "$err" "lenscap: refused: bad_signature"
run "$L" open -k alice.pub -m 4 -i a.lcf
is "over -m: too_large" "$err" "lenscap: refused: too_large"
printf 'not an envelope at all' > junk
run "$L" open -k alice.pub -i junk
is "junk: malformed" "$err" "lenscap: refused: malformed"

run "$L" inspect -i a.lcf
is "inspect exits 0" "$rc" 0
ok "inspect shows the device" grep -q '"device": "cam-a"' out
ok "inspect shows seq" grep -q '"seq": 9' out
ok "inspect shows the time" grep -q '"capture_ms": 1764000000000' out
ok "inspect says unverified" grep -q '"verified": false' out
run "$L" inspect -i junk
is "inspect of junk exits 1" "$rc" 1

chmod 0640 alice.sec
run "$L" seal -k alice.sec -d cam-a -i a.jpg
is "group-readable secret key refused" "$rc" 3
ok "with the reason" grep -q 'accessible by group or others' err
chmod 0600 alice.sec

for bad in "seal -k alice.sec -d ../etc" "seal -k alice.sec -d cam-a -c Image/JPEG" \
	   "seal -k alice.sec -d cam-a -n -1" "seal -k alice.sec -d cam-a -K movie" \
	   "open -d cam-a" "open -k alice.pub=../x" "keygen" "frobnicate" "inspect extra"; do
	run $L $bad < a.jpg
	is "usage error: $bad" "$rc" 2
done
run "$L" --version
ok "--version" sh -c "printf '%s' '$out' | grep -q '^lenscap [0-9]'"

# -o onto what is not a regular file writes in place: a device node stays
# one (lenscap -o /dev/null run as root once replaced /dev/null with a
# regular file), a FIFO's reader gets the bytes, a link stays a link.
if mknod null c 1 3 2>/dev/null; then
	run "$L" open -k alice.pub -i a.lcf -o null
	is "-o a character device: exits 0" "$rc" 0
	ok "and it is still a character device" test -c null
	ln -s null null.link
	run "$L" open -k alice.pub -i a.lcf -o null.link
	is "-o a link to a character device: exits 0" "$rc" 0
	ok "the link is still a link" test -L null.link
	ok "to a character device" test -c null
else
	for what in "-o a character device" "and it is still a character device" \
		    "-o a link to a character device" "the link is still a link" \
		    "to a character device"; do
		skip "$what" "mknod fails here (not root?)"
	done
fi
mkfifo fifo || exit 99
timeout 10 cat fifo > fifo.out &
reader=$!
run timeout 10 "$L" open -k alice.pub -i a.lcf -o fifo
wait "$reader"
is "-o a FIFO: exits 0" "$rc" 0
ok "the reader gets the body byte for byte" cmp a.jpg fifo.out
ok "and the FIFO is still one" test -p fifo

done_testing
