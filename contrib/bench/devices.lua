-- wrk script for contrib/bench: each request asks for the next of N
-- devices, round robin, so that every device's frame is fetched.
--   wrk -s devices.lua URL -- PREFIX SUFFIX N
-- asks for PREFIX .. "cam-" .. i .. SUFFIX, i = 1..N; with a fourth
-- argument, a file of N paths, for its lines instead (capability URLs,
-- one per device).  wrk runs one Lua state per thread; each starts at a
-- different device.
local prefix, suffix, n = "/", "", 1
local paths = nil
local i = 0

function setup(thread)
	thread:set("start", math.random(1000))
end

function init(args)
	prefix, suffix, n = args[1], args[2], tonumber(args[3])
	if args[4] then
		paths = {}
		for line in io.lines(args[4]) do paths[#paths + 1] = line end
		n = #paths
	end
	i = (start or 0) % n
end

function request()
	i = i % n + 1
	if paths then return wrk.format("GET", paths[i]) end
	return wrk.format("GET", prefix .. "cam-" .. i .. suffix)
end
