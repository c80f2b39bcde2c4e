# Matches the chaos backend's report (first file) against lenscapd's
# audit trail (second file), by request id: every injected fault must be
# audited as its "expect" says, and nothing else may be.  Prints a line
# per fault kind ("kind injected caught") and then "missed N",
# "unexpected N" (a caller checks that both are 0), "unanswered N":
# backend errors on requests with no fault scheduled, and "cut N": faults
# scheduled on a response that failed at the backend before they reached
# lenscapd (a reset discards what was not read yet; a busy machine reads
# late), each explaining that backend error.  Both fail closed; a caller
# bounds them.
function field(line, name,   m) {
	if (match(line, "\"" name "\":\"[^\"]*\"")) {
		m = substr(line, RSTART, RLENGTH)
		sub("^\"" name "\":\"", "", m)
		sub("\"$", "", m)
		return m
	}
	return ""
}
FNR == NR {
	if (index($0, "\"totals\"")) next
	e = field($0, "expect"); k = field($0, "fault"); rid = field($0, "rid")
	injected[k]++
	if (e == "delivered") { passes[k] = 1; next }
	want[rid, ++nwant[rid]] = e
	kind[rid, nwant[rid]] = k
	next
}
{
	ev = field($0, "event")
	if (ev != "drop" && ev != "backend_error") next
	rid = field($0, "request_id")
	got[rid, ++ngot[rid]] = ev " " field($0, "reason") " " field($0, "detail")
	sub(/ +$/, "", got[rid, ngot[rid]])
	sub(/ none/, "", got[rid, ngot[rid]])
	rids[rid] = 1
	if (ev == "backend_error") failed[rid] = 1
}
END {
	for (key in nwant) {
		rid = key
		for (i = 1; i <= nwant[rid]; i++) {
			found = 0
			for (j = 1; j <= ngot[rid]; j++) {
				if (used[rid, j]) continue
				g = got[rid, j]
				if (g == want[rid, i] || index(g, want[rid, i] " ") == 1) {
					used[rid, j] = 1; found = 1; break
				}
			}
			if (found) caught[kind[rid, i]]++
			else if (failed[rid]) {
				# The backend error that cut it explains it, and is
				# explained by it.
				for (j = 1; j <= ngot[rid]; j++)
					if (!used[rid, j] && index(got[rid, j], "backend_error") == 1) {
						used[rid, j] = 1; break
					}
				cut++; print "# cut short: " rid " " kind[rid, i]
			}
			else { missed++; print "# missed: " rid " " kind[rid, i] " (want \"" want[rid, i] "\")" }
		}
	}
	for (rid in rids)
		for (j = 1; j <= ngot[rid]; j++)
			if (used[rid, j]) {
				continue
			} else if (!(rid in nwant) && index(got[rid, j], "backend_error") == 1) {
				# A request the report says nothing of that failed at
				# the backend: no fault of the schedule, no frame out.
				unanswered++
				print "# unanswered: " rid " \"" got[rid, j] "\""
			} else {
				unexpected++
				print "# unexpected: " rid " \"" got[rid, j] "\""
			}
	for (k in injected) print k, injected[k], (k in passes) ? "delivered" : caught[k] + 0
	print "missed", missed + 0
	print "unexpected", unexpected + 0
	print "unanswered", unanswered + 0
	print "cut", cut + 0
}
