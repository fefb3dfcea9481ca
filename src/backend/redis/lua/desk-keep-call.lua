--[[
  Makes a call's list of events live at least ARGV[1] seconds more; nothing when there is none.

  Input:
    KEYS[1] the call's events
    ARGV[1] time to live, seconds

  Output:
    1
]]
local ttl = redis.call('TTL', KEYS[1])
if ttl ~= -2 and ttl < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end
return 1
