--[[
  Adds a call to a reference's calls; the set then lives at least ARGV[2] seconds more.

  Input:
    KEYS[1] the reference's set of CallSids
    ARGV[1] the CallSid
    ARGV[2] time to live, seconds

  Output:
    1
]]
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 1
