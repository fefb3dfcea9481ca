--[[
  Undoes a take of a text message whose job was not kept. The day's count the call's key names (same hash tag)
  loses one, unless it has expired.

  Input:
    KEYS[1] the call's key for this kind of message

  Output:
    1  given back
    0  nothing to give back: no mark, or the message is queued
]]
local mark = redis.call('GET', KEYS[1])
if not mark or string.sub(mark, 1, 6) ~= 'taken ' then return 0 end
local day = string.sub(mark, 7)
redis.call('DEL', KEYS[1])
local count = tonumber(redis.call('GET', day) or '0')
if count > 0 then redis.call('DECR', day) end
return 1
