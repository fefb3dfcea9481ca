--[[
  Takes off the open list what was asked before a time.

  Input:
    KEYS[1] the open list
    ARGV[1] the time, epoch ms

  Output:
    how many were taken off, by this call only (so each is counted once)
]]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #ids == 0 then return 0 end
return redis.call('ZREM', KEYS[1], unpack(ids))
