--[[
  Records one thing that happened on a day, at once, and tells the desk's pages. The day's keys share a hash tag:
  one cluster slot. Publishing here rather than after the reply saves the event a round trip (each write to Redis
  wakes it).

  Input:
    KEYS[1]  the day's events: a list, newest first
    KEYS[2]  the day's counted calls: a hash CallSid -> outcome
    KEYS[3]  the day's outcome counts: a hash outcome -> count
    KEYS[4]  the day's transfer attempts: a hash CallSid -> attempts
    KEYS[5]  the day's recorded event ids: a hash id -> 1
    ARGV[1]  an event's JSON, or ''
    ARGV[2]  the CallSid whose transfer attempt this is, or ''
    ARGV[3]  the CallSid to count once, or ''
    ARGV[4]  the outcome to count it under
    ARGV[5]  how many events the day keeps
    ARGV[6]  the time to live of each key written, seconds
    ARGV[7]  the channel to publish on
    ARGV[8]  a message (a JSON object) to publish, or '': with ARGV[2], the attempt is added to it as its last
             field, "attempt", when it is an object with fields (anything else is published as it is)
    ARGV[9]  the day, for the counts published when the call was counted now
    ARGV[10] the event's id, or '': an id recorded before records nothing

  Output:
    { attempt, counts }  attempt: the transfer attempt counted now (0: none); counts: the day's counts as
                         [outcome, count, ...] when the call was counted now, else {}
    { -1, {} }           the event's id was recorded before (nothing changes, nothing is published)

  Published on ARGV[7], in this order: the message ARGV[8] (with the attempt), then, when the call was counted now,
  {"type":"outcomes","day":ARGV[9],"counts":{outcome: count, ...}}.
]]
local ttl = tonumber(ARGV[6])
if ARGV[10] ~= '' then
  if redis.call('HSETNX', KEYS[5], ARGV[10], '1') == 0 then return { -1, {} } end
  redis.call('EXPIRE', KEYS[5], ttl)
end
if ARGV[1] ~= '' then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[5]) - 1)
  redis.call('EXPIRE', KEYS[1], ttl)
end
local attempt = 0
if ARGV[2] ~= '' then
  attempt = redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
  redis.call('EXPIRE', KEYS[4], ttl)
end
local counts = {}
if ARGV[3] ~= '' and redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) == 1 then
  redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
  counts = redis.call('HGETALL', KEYS[3])
end
if ARGV[8] ~= '' then
  local message = ARGV[8]
  if ARGV[2] ~= '' then
    -- Only an object with fields (its first key a string) takes the attempt. The message's own text is kept as it
    -- came and the field added before its closing brace: decoding and encoding it again would turn its empty arrays
    -- into empty objects (cjson decodes both to the same empty table), and a card's empty path would no longer
    -- read as one.
    local ok, fields = pcall(cjson.decode, message)
    if ok and type(fields) == 'table' and type(next(fields)) == 'string' then
      message = string.match(message, '^(.*)}%s*$') .. ',' .. cjson.encode('attempt') .. ':' .. cjson.encode(attempt) .. '}'
    end
  end
  redis.call('PUBLISH', ARGV[7], message)
end
if #counts > 0 then
  local byOutcome = {}
  for i = 1, #counts, 2 do byOutcome[counts[i]] = tonumber(counts[i + 1]) end
  redis.call('PUBLISH', ARGV[7], cjson.encode({ type = 'outcomes', day = ARGV[9], counts = byOutcome }))
end
return { attempt, counts }
