--[[
  Puts back a copy of a call's session the store lost, or holds an older copy of.

  Input:
    KEYS[1] the session hash
    ARGV[1] the copy's version
    ARGV[2] its JSON record
    ARGV[3] time to live, seconds

  Output:
    1  stored
    0  not stored: the stored version is as high or higher, or the call has ended
]]
local s = redis.call('HMGET', KEYS[1], 'v', 'e')
if s[2] then return 0 end
if tonumber(s[1] or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
