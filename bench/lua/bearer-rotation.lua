-- GET wrk's path with a different bearer token on every request, in rotation.
-- args: a file of access tokens, one a line; optionally where in it to start (0-based), so that
-- consecutive runs go on through the list instead of starting over on tokens just used.
local tokens = {}
local index = 0

function init(args)
	for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
	assert(#tokens > 0, 'no tokens in ' .. args[1])
	if args[2] then index = tonumber(args[2]) % #tokens end
end

function request()
	index = index % #tokens + 1
	return wrk.format('GET', nil, { ['Authorization'] = 'Bearer ' .. tokens[index] })
end
