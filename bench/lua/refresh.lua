-- The refresh grant with a fresh refresh token on every request (each use rotates the token).
-- args: a file of unused refresh tokens, one a line; more than the run can consume.
local tokens = {}
local index = 0

function init(args)
	for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
	assert(#tokens > 0, 'no refresh tokens in ' .. args[1])
end

function request()
	-- Past the end the pool wraps: reused tokens are refused (400) and counted as errors.
	index = index % #tokens + 1
	return wrk.format('POST', '/oauth/token',
		{ ['Content-Type'] = 'application/x-www-form-urlencoded' },
		'grant_type=refresh_token&refresh_token=' .. tokens[index])
end
