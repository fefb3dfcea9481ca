--[[
  Lets go of an attempt's hold on a callback: its caller was not told it is booked.

  Input:
    KEYS[1] the callback
    KEYS[2] the open list
    ARGV[1] its id
    ARGV[2] the attempt
    ARGV[3] the time to live, seconds, of the mark left when the ask has not arrived yet

  Output:
    'withdrawn'  taken off the open list: it was open, and no other attempt holds it
    'held'       it stays: another attempt holds it, or an agent has it
    'absent'     none is listed: not asked yet, or withdrawn before
]]
local status = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'gone:' .. ARGV[2], '1')
redis.call('HDEL', KEYS[1], 'hold:' .. ARGV[2])
if not status then
  redis.call('HSET', KEYS[1], 'status', 'withdrawn')
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 'absent'
end
if status == 'withdrawn' then return 'absent' end
if status ~= 'open' then return 'held' end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, 5) == 'hold:' then return 'held' end
end
redis.call('HSET', KEYS[1], 'status', 'withdrawn')
redis.call('ZREM', KEYS[2], ARGV[1])
return 'withdrawn'
