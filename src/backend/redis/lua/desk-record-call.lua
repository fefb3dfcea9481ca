--[[
  Keeps an event in a call's own list, once (the list is short); the list then lives at least ARGV[3] seconds more.

  Input:
    KEYS[1] the call's events: a list, newest first
    ARGV[1] the event's JSON
    ARGV[2] how many events the call keeps
    ARGV[3] time to live, seconds

  Output:
    1
]]
if not redis.call('LPOS', KEYS[1], ARGV[1]) then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
end
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3])) end
return 1
