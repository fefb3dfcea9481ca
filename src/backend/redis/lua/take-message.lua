--[[
  Counts a text message against its limits: once per call and kind of message, and within the number's limit a day.

  Input:
    KEYS[1] the call's key for this kind of message
    KEYS[2] the number's count for the day
    ARGV[1] the day's limit
    ARGV[2] how long the call's key lives, seconds
    ARGV[3] how long the day's count lives, seconds

  Output:
    'ok'           both counted: the call's key holds "taken " and the day's key, for a give-back
    'already'      the message is queued (nothing changes)
    'unconfirmed'  taken earlier, not confirmed (nothing changes)
    'limit'        the day's count is at the limit (nothing counted)
]]
local mark = redis.call('GET', KEYS[1])
if mark == 'queued' or mark == '1' then return 'already' end
if mark then return 'unconfirmed' end
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if count >= tonumber(ARGV[1]) then return 'limit' end
redis.call('SET', KEYS[1], 'taken ' .. KEYS[2], 'EX', ARGV[2])
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 'ok'
