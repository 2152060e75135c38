-- The password grant, cycling through many users with their right passwords, so no failure
-- counter (per username or per address) ever grows and login throttling never engages.
-- args: a file of "username password" lines (URL-safe characters only).
local bodies = {}
local index = 0

function init(args)
	for line in io.lines(args[1]) do
		local username, password = line:match('^(%S+) (%S+)$')
		bodies[#bodies + 1] = 'grant_type=password&username=' .. username .. '&password=' .. password
	end
	assert(#bodies > 0, 'no users in ' .. args[1])
end

function request()
	index = index % #bodies + 1
	return wrk.format('POST', '/oauth/token',
		{ ['Content-Type'] = 'application/x-www-form-urlencoded' }, bodies[index])
end
