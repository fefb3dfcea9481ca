--[[
  Adds one batch of the flow's insights, once: a batch sent again (its answer was lost, or came after the command's
  timeout) is not added twice. Each instance numbers its batches; the applied hash keeps the last number it added.
  The number of keys is given with each call (one key per flow and day). Every key shares the {insights} slot.

  Input:
    KEYS[1]    the applied hash: instance -> the number of its last batch added
    KEYS[2..]  each flow and day's counts (a hash: field -> count)
    ARGV[1]    the instance (a random id of the process)
    ARGV[2]    the batch's number (they only grow in one instance)
    ARGV[3]    how long the applied hash lives after this, ms
    ARGV[4..]  for each day key in turn: when it is dropped (epoch ms), its number of fields n, then n pairs of
               field and count

  Output:
    {1, failed}  the batch was added; `failed` fields were not (a value there that is not a number): the others were
    {0, 0}       the batch was added before: nothing changes
]]
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) <= last then return {0, 0} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local failed = 0
local a = 4
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
