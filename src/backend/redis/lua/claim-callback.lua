--[[
  Gives an open callback to one agent.

  Input:
    KEYS[1] the callback
    ARGV[1] the agent

  Output:
    'claimed'  the agent has it now, or had it already
    'taken'    another agent has it, or it is closed (nothing changes)
    'gone'     no such callback, or it was withdrawn (nothing changes)
]]
local state = redis.call('HMGET', KEYS[1], 'status', 'claimedBy')
if not state[1] or state[1] == 'withdrawn' then return 'gone' end
if state[1] == 'claimed' and state[2] == ARGV[1] then return 'claimed' end
if state[1] ~= 'open' then return 'taken' end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'claimedBy', ARGV[1])
return 'claimed'
