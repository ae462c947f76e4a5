-- wrk's side of `npm run bench` (bench/load-wrk.ts starts it). Thread i reads its request list from
-- the file named i in the directory given, and sends it in turn, over and over. With one thread, its
-- connections share one list of static requests. With a thread per connection, requests and answers
-- alternate on it, so a list can hold chains: a request may keep a value read from its answer (a
-- reservation id) for the next one to put in its path, and count an answer in a named tally.
-- Arguments after "--": the directory of request files (writeRequestFile in bench/pre-encode.ts),
-- and the number of responses after which a thread stops.

local CAPTURE_PLACEHOLDER = "__CAPTURE__"
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

-- One record: a header line (the length, then for a chain step, tab-separated: takes the capture
-- 1/0, capture status and pattern, tally status and name), then the request's bytes.
local function read_requests(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  local list = {}
  local at = 1
  while at <= #data do
    local newline = assert(string.find(data, "\n", at, true), "not a request file")
    local header = string.sub(data, at, newline - 1)
    local fields = {}
    for field in string.gmatch(header, "[^\t]+") do
      table.insert(fields, field)
    end
    local length = assert(tonumber(fields[1]), "not a request file")
    local request = { bytes = string.sub(data, newline + 1, newline + length) }
    if #fields > 1 then
      request.uses_capture = fields[2] == "1"
      request.capture_status = tonumber(fields[3])
      request.capture_pattern = fields[4]
      request.tally_status = tonumber(fields[5])
      request.tally_name = fields[6]
      if request.uses_capture then
        local from, to = string.find(request.bytes, CAPTURE_PLACEHOLDER, 1, true)
        request.before = string.sub(request.bytes, 1, from - 1)
        request.after = string.sub(request.bytes, to + 1)
      end
    end
    table.insert(list, request)
    at = newline + 1 + length
  end
  assert(#list > 0, "the request file holds no request")
  return list
end

function init(args)
  requests = read_requests(args[1] .. "/" .. thread_index)
  responses_max = assert(tonumber(args[2]), "the second argument is the number of responses to stop at")
  position = 0
  current = nil
  captured = nil
  responses = 0
  statuses = {}
  tally = {}
end

-- The next request of the list; one that takes a capture is skipped when there is none (its hold
-- was refused, say).
function request()
  for _ = 1, #requests do
    position = position % #requests + 1
    current = requests[position]
    if not current.uses_capture then
      return current.bytes
    end
    if captured ~= nil then
      local value = captured
      captured = nil
      return current.before .. value .. current.after
    end
  end
  error("no request of the list can be sent: each one takes a capture")
end

-- Defining response() makes wrk hand over each status (and parse the headers and body, which
-- costs about 2 µs of wrk's CPU per response, measured): a fast 409 must not pass for a 201.
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  responses = responses + 1
  if current.capture_status ~= nil and current.capture_status ~= 0 then
    captured = status == current.capture_status and string.match(body, current.capture_pattern) or nil
  end
  if current.tally_status == status then
    tally[current.tally_name] = (tally[current.tally_name] or 0) + 1
  end
  if responses >= responses_max then
    wrk.thread:stop()
  end
end

local function add_counts(into, from)
  for key, count in pairs(from) do
    into[key] = (into[key] or 0) + count
  end
end

local function json_counts(counts, key_format)
  local parts = {}
  for key, count in pairs(counts) do
    table.insert(parts, string.format('"' .. key_format .. '":%d', key, count))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- One line for bench/load-wrk.ts, after REPORT_MARKER (bench/load.ts): the counts, and the latency
-- at fixed quantiles. wrk keeps every latency in whole microseconds, but reading them all out takes
-- minutes; 1,100 quantiles take milliseconds and are exact at p50, p90, p99 and p99.9. Quantiles are
-- in thousandths of a percent.
function done(summary, latency)
  local all_statuses = {}
  local all_tally = {}
  for _, thread in ipairs(threads) do
    add_counts(all_statuses, thread:get("statuses"))
    add_counts(all_tally, thread:get("tally"))
  end
  local quantiles = {}
  local function add(quantile, value)
    table.insert(quantiles, string.format("[%d,%d]", quantile, value))
  end
  if summary.requests > 0 then
    for quantile = 100, 99000, 100 do
      add(quantile, latency:percentile(quantile / 1000))
    end
    for quantile = 99010, 99990, 10 do
      add(quantile, latency:percentile(quantile / 1000))
    end
    for quantile = 99991, 99999 do
      add(quantile, latency:percentile(quantile / 1000))
    end
    add(100000, latency.max)
  end
  local errors = summary.errors
  io.write(
    string.format(
      'LOAD_REPORT {"durationUs":%d,"requests":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"statuses":%s,"tally":%s,"latencyUs":[%s]}\n',
      summary.duration,
      summary.requests,
      errors.connect,
      errors.read,
      errors.write,
      errors.timeout,
      json_counts(all_statuses, "%d"),
      json_counts(all_tally, "%s"),
      table.concat(quantiles, ",")
    )
  )
end
