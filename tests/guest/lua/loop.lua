-- loop.lua - a hot loop LuaJIT compiles to machine code (run with -jv).
local s = 0
for i = 1, 200000 do
	s = s + i % 7
end
print("sum", s)
