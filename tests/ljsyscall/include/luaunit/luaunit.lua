-- luaunit.lua - a minimal test runner for ljsyscall's test suite, written
-- for keel (not the upstream luaunit). It provides what test/test.lua and
-- test/linux.lua use: the global assertions assert_equals and
-- assert_string, and luaunit:run(...) over the global test_* tables, each
-- with optional setUp/tearDown (or setup/teardown, as the suite spells
-- them: its teardown = clean removes the temporary files). Every test runs
-- under pcall and prints
--   PASS table.test
--   FAIL table.test: first line of the error
-- then one closing line "N passed, M failed of T". run() returns the
-- number of failures (test.lua exits 1 when it is not 0).
--
-- Arguments select what runs: "test_x" (a whole table) or "test_x.test_y"
-- / "test_x:test_y" (one test). A test that raises "skipped" counts as a
-- failure (as a minimal runner does; its message says skipped).

local function fmt(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- Assertion failures carry no position; the runner adds the test's line.
local function fail(msg)
  error(msg, 0)
end

function assert_equals(actual, expected)
  if actual ~= expected then
    fail("expected: " .. fmt(expected) .. ", actual: " .. fmt(actual))
  end
end
assert_equal = assert_equals

function assert_string(v)
  if type(v) ~= "string" then
    fail("expected a string, got " .. type(v) .. " " .. fmt(v))
  end
end

function assert_number(v)
  if type(v) ~= "number" then
    fail("expected a number, got " .. type(v) .. " " .. fmt(v))
  end
end

function assert_true(v)
  if v ~= true then fail("expected true, got " .. fmt(v)) end
end

function assert_false(v)
  if v ~= false then fail("expected false, got " .. fmt(v)) end
end

function assert_nil(v)
  if v ~= nil then fail("expected nil, got " .. fmt(v)) end
end

function assert_not_nil(v)
  if v == nil then fail("expected a value, got nil") end
end

local luaunit = {}

local function first_line(e)
  local s = tostring(e)
  return (s:match("^[^\n]*"))
end

local function sorted_keys(t, pred)
  local keys = {}
  for k, v in pairs(t) do
    if type(k) == "string" and pred(k, v) then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

local function is_test(k, v)
  return k:sub(1, 4) == "test" and (type(v) == "function" or type(v) == "table")
end

-- One test: setUp, the test, tearDown, each under pcall. Returns ok, err.
local function run_one(tab, name)
  local ok, err = true, nil
  local setup = tab and (tab.setUp or tab.setup)
  local teardown = tab and (tab.tearDown or tab.teardown)
  if type(setup) == "function" then
    ok, err = pcall(setup, tab)
    if not ok then err = "setUp: " .. first_line(err) end
  end
  if ok then
    local f = tab and tab[name] or _G[name]
    ok, err = xpcall(function() return f(tab) end, function(e)
      -- Where in the test files the error happened: the innermost frame
      -- of test/*.lua other than the suite's assert_equal wrapper.
      local msg = first_line(e)
      for level = 2, 40 do
        local info = debug.getinfo(level, "Sln")
        if not info then break end
        if info.short_src:match("test/[%w_%-]+%.lua$") and info.name ~= "assert_equal"
           and info.currentline and info.currentline > 0 then
          local loc = info.short_src .. ":" .. info.currentline
          if not msg:find(loc, 1, true) then msg = msg .. " (at " .. loc .. ")" end
          break
        end
      end
      return msg
    end)
  end
  if type(teardown) == "function" then
    local tok, terr = pcall(teardown, tab)
    if not tok and ok then ok, err = false, "tearDown: " .. first_line(terr) end
  end
  return ok, err
end

function luaunit:run(...)
  local selected = {...}
  -- The plan: a list of {table name, test name or nil for a whole table}.
  local plan = {}
  if #selected == 0 then
    for _, k in ipairs(sorted_keys(_G, is_test)) do plan[#plan + 1] = {k} end
  else
    for _, s in ipairs(selected) do
      local tn, fn = s:match("^([^.:]+)[.:](.+)$")
      plan[#plan + 1] = {tn or s, fn}
    end
  end

  local passed, failed = 0, 0
  -- LUAUNIT_TIMES set: a "TIME <ms> <name>" line after each test (wall
  -- clock), to see where a run spends its time.
  local clock
  if os.getenv("LUAUNIT_TIMES") then
    local ok, S = pcall(require, "syscall")
    if ok then
      clock = function()
        local t = S.clock_gettime("monotonic")
        return tonumber(t.tv_sec) * 1000 + tonumber(t.tv_nsec) / 1e6
      end
    end
  end
  local t0 = clock and clock()
  local function report(name, ok, err)
    if clock then
      local t = clock()
      print(string.format("TIME %.1f %s", t - t0, name))
      t0 = t
    end
    if ok then
      passed = passed + 1
      print("PASS " .. name)
    else
      failed = failed + 1
      print("FAIL " .. name .. ": " .. tostring(err))
    end
    io.stdout:flush()
  end

  for _, p in ipairs(plan) do
    local tname, fname = p[1], p[2]
    local v = _G[tname]
    if v == nil then
      report(tname .. (fname and ("." .. fname) or ""), false, "no such test")
    elseif type(v) == "function" then
      report(tname, run_one(nil, tname))
    elseif fname then
      if type(v[fname]) ~= "function" then
        report(tname .. "." .. fname, false, "no such test")
      else
        report(tname .. "." .. fname, run_one(v, fname))
      end
    else
      local names = sorted_keys(v, function(k, f)
        return k:sub(1, 4) == "test" and type(f) == "function"
      end)
      for _, n in ipairs(names) do report(tname .. "." .. n, run_one(v, n)) end
    end
  end

  print(string.format("%d passed, %d failed of %d", passed, failed, passed + failed))
  io.stdout:flush()
  return failed
end

return luaunit
