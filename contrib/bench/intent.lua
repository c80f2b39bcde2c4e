-- wrk script for contrib/bench/intents: every request POSTs the same
-- JSON body, read from a file.
--   wrk -s intent.lua URL -- BODY.json
-- wrk formats the request once per thread, after init().
function init(args)
	local f = assert(io.open(args[1], "rb"))
	wrk.body = f:read("*a")
	f:close()
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
end
