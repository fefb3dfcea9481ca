--[[
  Adds one write of the flow's insights, once: a write sent again (its answer was lost, or came after the command's
  timeout) is not added twice. Each instance numbers its writes; its applied key keeps the number of the last one
  added. The number of keys is given with each call (one key per flow and day). Every key shares the {insights} slot.

  Input:
    KEYS[1]    the instance's applied key: the number of its last write added
    KEYS[2..]  each flow and day's counts (a hash: field -> count)
    ARGV[1]    the write's number (they only grow in one instance)
    ARGV[2]    how long the applied key lives after this, ms
    ARGV[3..]  for each day key in turn: when it is dropped (epoch ms), its number of fields n, then n pairs of
               field and count

  Output:
    {1, failed}  the write was added; `failed` fields were not (a value there that is not a number): the others were
    {0, 0}       the write was added before: nothing changes
]]
-- Anything there that is not a number (or not a string) counts as no write added yet.
local stored = redis.pcall('GET', KEYS[1])
local last = (type(stored) == 'string' and tonumber(stored)) or -1
if tonumber(ARGV[1]) <= last then return {0, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local failed = 0
local a = 3
for k = 2, #KEYS do
  local dropsAt = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  for i = 1, n do
    local result = redis.pcall('HINCRBY', KEYS[k], ARGV[a], ARGV[a + 1])
    if type(result) == 'table' and result.err then failed = failed + 1 end
    a = a + 2
  end
  redis.pcall('PEXPIREAT', KEYS[k], dropsAt)
end
return {1, failed}
