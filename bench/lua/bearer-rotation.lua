-- GET wrk's path with a different bearer token on every request, in rotation.
-- args: a file of access tokens, one a line.
local tokens = {}
local index = 0

function init(args)
	for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
	assert(#tokens > 0, 'no tokens in ' .. args[1])
end

function request()
	index = index % #tokens + 1
	return wrk.format('GET', nil, { ['Authorization'] = 'Bearer ' .. tokens[index] })
end
