-- popen.lua - LuaJIT's os.execute and io.popen (tests/proc/run.sh, issue
-- 15): each runs /bin/sh -c (dash on the host, busybox sh in keel). The
-- output must match the host's.
io.stdout:setvbuf("no")
print("os.execute true:", os.execute("true"))
print("os.execute exit 3:", os.execute("exit 3"))
print("os.execute echo:", os.execute("echo from-sh"))
local p = io.popen("echo hello; echo world")
print("popen read:", (p:read("*a"):gsub("\n", " ")))
print("popen close:", p:close())
p = io.popen("sort", "w")
for _, w in ipairs({ "pear", "apple", "fig" }) do p:write(w, "\n") end
p:close()
local n = 0
for i = 1, 20 do
	local q = io.popen("echo " .. i)
	n = n + tonumber(q:read("*l"))
	q:close()
end
print("popen 20 times, sum:", n)
