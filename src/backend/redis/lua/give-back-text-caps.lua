--[[
  Undoes a take of the text caps whose text was not queued.
  The number of keys is given with each call (one key per cap).

  Input:
    KEYS[1]    the text's own key
    KEYS[2..]  each cap's count for the hour

  Output:
    1  given back
    0  the text was not counted (nothing changes)
]]
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
