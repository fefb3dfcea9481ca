--[[
  Counts one text message under several caps for the hour, all or none, once.
  The number of keys is given with each call (one key per cap).

  Input:
    KEYS[1]    the text's own key (set once it is counted)
    KEYS[2..]  each cap's count for the hour
    ARGV[1]    how long the keys live, seconds
    ARGV[2..]  each cap's limit (ARGV[i] for KEYS[i])

  Output:
    0  every count was raised, or the text was counted before (nothing changes)
    n  the 1-based index of the first full cap (nothing counted)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return i - 1 end
end
for i = 2, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return 0
