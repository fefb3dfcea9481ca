--[[
  Ends a call: its session becomes a mark that the call has ended, and its summary is kept.

  Input:
    KEYS[1] the session hash
    KEYS[2] the summary key
    ARGV[1] expected version, or '' to end it at whatever version it is
    ARGV[2] the summary JSON, or '' for none
    ARGV[3] the summary's time to live, seconds (0 keeps none)
    ARGV[4] the ended mark's time to live, seconds

  Output:
    1                          ended now
    2                          it had ended already (nothing changes)
    { version, JSON record }   the stored version differs from ARGV[1]: the session as it is (nothing changes)
    {}                         the stored version differs from ARGV[1] and there is no session (nothing changes)
]]
local s = redis.call('HMGET', KEYS[1], 'v', 'd', 'e')
if s[3] then return 2 end
local current = tonumber(s[1] or '0')
if ARGV[1] ~= '' and current ~= tonumber(ARGV[1]) then
  if current == 0 then return {} end
  return { s[1], s[2] }
end
redis.call('HDEL', KEYS[1], 'd')
redis.call('HSET', KEYS[1], 'v', current + 1, 'e', '1')
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
local ttl = tonumber(ARGV[3])
if ARGV[2] ~= '' and ttl > 0 then redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl) end
return 1
