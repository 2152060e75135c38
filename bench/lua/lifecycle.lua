-- Clients' lives, over and over: log in, refresh, log out. Every token response's pair is queued,
-- and a refresh or a logout takes the oldest pair, so no refresh token is presented twice and no
-- logout ends a session twice. Of every 50 requests one is a login and one a logout (the queue
-- holds steady), the rest refreshes; a login too whenever the queue is empty (at the start).
-- Each connection pauses 10 ms between requests: wrk's connections never idle otherwise, and
-- Argon2 would take the whole server core; so at most 100 requests per second per connection.
-- args: a file of "username password" lines (URL-safe characters only).
local logins = {}
local user = 0
local queue = {}
local head, tail = 1, 0
local n = 0
local form = { ['Content-Type'] = 'application/x-www-form-urlencoded' }

function init(args)
	for line in io.lines(args[1]) do
		local username, password = line:match('^(%S+) (%S+)$')
		logins[#logins + 1] = 'grant_type=password&username=' .. username .. '&password=' .. password
	end
	assert(#logins > 0, 'no users in ' .. args[1])
end

function request()
	n = n + 1
	if head > tail or n % 50 == 0 then
		user = user % #logins + 1
		return wrk.format('POST', '/oauth/token', form, logins[user])
	end
	local pair = queue[head]
	queue[head] = nil
	head = head + 1
	if n % 50 == 25 then
		return wrk.format('POST', '/auth/logout', { ['Authorization'] = 'Bearer ' .. pair.access }, '')
	end
	return wrk.format('POST', '/oauth/token', form, 'grant_type=refresh_token&refresh_token=' .. pair.refresh)
end

function delay()
	return 10
end

function response(status, headers, body)
	local refresh = body:match('"refresh_token":"([^"]+)"')
	if refresh then
		tail = tail + 1
		queue[tail] = { refresh = refresh, access = body:match('"access_token":"([^"]+)"') }
	end
end
