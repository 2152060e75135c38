-- The refresh grant, never presenting a refresh token twice: each request takes the oldest unused
-- token, and each answer's new refresh token joins the back of the queue, so a small pool lasts
-- any run (each session's chain is rotated again and again, as a long-lived client's is).
-- args: a file of unused refresh tokens, one a line; more than there are connections.
local queue = {}
local head, tail = 1, 0

function init(args)
	for line in io.lines(args[1]) do
		tail = tail + 1
		queue[tail] = line
	end
	assert(tail > 0, 'no refresh tokens in ' .. args[1])
end

function request()
	local token = 'exhausted' -- only after failed refreshes emptied the queue: refused (400), counted as errors
	if head <= tail then
		token = queue[head]
		queue[head] = nil
		head = head + 1
	end
	return wrk.format('POST', '/oauth/token',
		{ ['Content-Type'] = 'application/x-www-form-urlencoded' },
		'grant_type=refresh_token&refresh_token=' .. token)
end

function response(status, headers, body)
	local refresh = body:match('"refresh_token":"([^"]+)"')
	if refresh then
		tail = tail + 1
		queue[tail] = refresh
	end
end
