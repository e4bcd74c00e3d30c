-- voicebox-push.lua: tells voicebox that a watched folder of a mailbox changed, so the
-- message-waiting lamp and the SMS follow at once instead of at the next periodic check.
--
-- Dovecot's push_notification Lua driver calls this for every mail transaction (delivery over
-- LMTP/LDA, IMAP APPEND/STORE/EXPUNGE/MOVE). One POST per transaction that touched a watched
-- folder:  POST <url>  Authorization: Bearer <token>  {"user":"alice","mailbox":"INBOX","event":"MessageNew"}
-- voicebox then reads the counts itself; the POST carries no message content.
--
-- Never delays or fails a delivery for long: one attempt, a short timeout (default 1000 ms),
-- every error only logged. voicebox down = connection refused = no delay at all.
--
-- plugin settings (dovecot.conf, plugin { ... }):
--   voicebox_push_url      http://127.0.0.1:8790/dovecot/push   (required; empty = off)
--   voicebox_push_token    the shared secret (notify.watch.push.token)
--   voicebox_push_folders  folders watched, space separated (default: INBOX)
--   voicebox_push_timeout_msecs   default 1000

local client = nil
local clientTimeout = nil

-- the events voicebox cares about; FlagsSet/FlagsClear only when \Seen or \Deleted changed
local EVENTS = {
  MessageNew = true,
  MessageAppend = true,
  MessageExpunge = true,
  MessageTrash = true,
  MessageRead = true,
}
local WATCHED_FLAGS = { ["\\Seen"] = true, ["\\Deleted"] = true }

local function setting(user, name, default)
  local value = user:plugin_getenv(name)
  if value == nil or value == "" then
    return default
  end
  return value
end

local function httpClient(timeout)
  if client == nil or clientTimeout ~= timeout then
    -- Dovecot 2.3 names (it ignores unknown keys: `timeout` alone left the 60 s default in force,
    -- seen: 62 s per delivery against an endpoint that accepted and never answered)
    client = dovecot.http.client({
      request_absolute_timeout_msecs = timeout,
      request_timeout_msecs = timeout,
      connect_timeout_msecs = timeout,
      max_attempts = 1,
      user_agent = "dovecot-voicebox-push",
    })
    clientTimeout = timeout
  end
  return client
end

local function jsonString(s)
  s = tostring(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then
      return '\\"'
    elseif c == "\\" then
      return "\\\\"
    end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

function dovecot_lua_notify_begin_txn(user)
  local folders = {}
  for folder in setting(user, "voicebox_push_folders", "INBOX"):gmatch("%S+") do
    folders[folder] = true
  end
  return {
    username = user.username,
    url = setting(user, "voicebox_push_url", ""),
    token = setting(user, "voicebox_push_token", ""),
    timeout = tonumber(setting(user, "voicebox_push_timeout_msecs", "1000")) or 1000,
    folders = folders,
    mailbox = nil,
    event = nil,
  }
end

local function note(ctx, event)
  if ctx.folders[event.mailbox] and ctx.mailbox == nil then
    ctx.mailbox = event.mailbox
    ctx.event = event.name
  end
end

local function flagsChanged(ctx, event)
  for _, flag in ipairs(event.flags or {}) do
    if WATCHED_FLAGS[flag] then
      note(ctx, event)
      return
    end
  end
end

function dovecot_lua_notify_event_message_new(ctx, event) note(ctx, event) end
function dovecot_lua_notify_event_message_append(ctx, event) note(ctx, event) end
function dovecot_lua_notify_event_message_expunge(ctx, event) note(ctx, event) end
function dovecot_lua_notify_event_message_trash(ctx, event) note(ctx, event) end
function dovecot_lua_notify_event_message_read(ctx, event) note(ctx, event) end
function dovecot_lua_notify_event_flags_set(ctx, event) flagsChanged(ctx, event) end
function dovecot_lua_notify_event_flags_clear(ctx, event) flagsChanged(ctx, event) end

function dovecot_lua_notify_end_txn(ctx)
  if ctx.mailbox == nil or ctx.url == "" or not EVENTS[ctx.event] and ctx.event ~= "FlagsSet" and ctx.event ~= "FlagsClear" then
    return
  end
  local ok, err = pcall(function()
    local request = httpClient(ctx.timeout):request({ url = ctx.url, method = "POST" })
    request:add_header("Content-Type", "application/json")
    if ctx.token ~= "" then
      request:add_header("Authorization", "Bearer " .. ctx.token)
    end
    request:set_payload(
      '{"user":' .. jsonString(ctx.username) .. ',"mailbox":' .. jsonString(ctx.mailbox)
        .. ',"event":' .. jsonString(ctx.event) .. "}"
    )
    local response = request:submit()
    local status = response:status()
    if status >= 9000 then
      -- Dovecot's own codes (9003 refused, 9008 timed out): a client that failed held the next
      -- request back until its own timeout (seen: 1 s per delivery after one timeout); start afresh
      client = nil
    end
    if status < 200 or status >= 300 then
      dovecot.i_warning("voicebox push: " .. ctx.url .. " answered " .. status .. " " .. (response:reason() or ""))
    end
  end)
  if not ok then
    client = nil
    dovecot.i_warning("voicebox push: " .. tostring(err))
  end
end
