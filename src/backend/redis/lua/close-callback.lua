--[[
  Closes a callback the agent holds, and takes it off the open list.

  Input:
    KEYS[1] the callback
    KEYS[2] the open list
    ARGV[1] the agent
    ARGV[2] 'done' or 'not-reached'
    ARGV[3] now, epoch ms
    ARGV[4] its id

  Output:
    'closed'     closed now
    'not-yours'  the agent does not hold it (nothing changes)
    'gone'       no such callback, or it was withdrawn (nothing changes)
]]
local state = redis.call('HMGET', KEYS[1], 'status', 'claimedBy')
if not state[1] or state[1] == 'withdrawn' then return 'gone' end
if state[1] ~= 'claimed' or state[2] ~= ARGV[1] then return 'not-yours' end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'closedAt', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
return 'closed'
