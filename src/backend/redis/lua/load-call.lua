--[[
  Reads a call's session: its version and JSON record while the call is live, or its summary once it has ended.
  A session is one hash: v = version, d = the JSON record while the call is live, e = '1' once it has ended (then
  d is gone).

  Input:
    KEYS[1] the session hash
    KEYS[2] the summary key

  Output:
    { version, JSON record }    either may be nil (no session: both nil)
    { 'ended', summary JSON }   the call has ended; the summary is nil when none is kept
]]
local s = redis.call('HMGET', KEYS[1], 'v', 'd', 'e')
if s[3] then return { 'ended', redis.call('GET', KEYS[2]) } end
return { s[1], s[2] }
