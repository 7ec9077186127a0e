-- ffi_files.lua - files through Lua's io library and libc through the FFI.
local ffi = require("ffi")
ffi.cdef [[
size_t strlen(const char *s);
int getpid(void);
int open(const char *path, int flags, int mode);
long write(int fd, const void *buf, size_t n);
int close(int fd);
]]
local path = arg[1] or "/tmp/keel-ffi-test.txt"
local f = assert(io.open(path, "w"))
f:write("line one\n", "line two\n")
f:close()
local n = 0
for line in io.lines(path) do
	n = n + 1
	print(n, line)
end
print("strlen", tonumber(ffi.C.strlen("keel")))
print("getpid positive", ffi.C.getpid() > 0)
local fd = ffi.C.open(path, 1 + 1024, 0) -- O_WRONLY | O_APPEND
print("open ok", fd >= 0)
print("write", tonumber(ffi.C.write(fd, "three\n", 6)))
ffi.C.close(fd)
local all = assert(io.open(path)):read("*a")
print("size", #all)
assert(os.remove(path))
print("removed", io.open(path) == nil)
