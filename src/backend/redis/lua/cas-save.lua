--[[
  Compare-and-set save of a call's session.

  Input:
    KEYS[1] the session hash
    ARGV[1] expected version (0: the session must not exist)
    ARGV[2] the new JSON record
    ARGV[3] time to live, seconds

  Output:
    1  saved: the version becomes ARGV[1] + 1
    0  not saved: the stored version differs, or the call has ended
]]
local s = redis.call('HMGET', KEYS[1], 'v', 'e')
if s[2] then return 0 end
local current = tonumber(s[1] or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', current + 1, 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
