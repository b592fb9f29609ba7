-- layers_spec.lua: scripts/includes.lua, the check that keeps the compiler and
-- the runtime a stack of layers: on the checkout (and this build's objects) it
-- passes and prints the runtime's folders in their order; on copies with an
-- include that runs back up, headers that include each other, or two files
-- that call each other, it fails naming what is wrong.
local h = require("harness")

local lua = os.getenv("SEQCC_LUA") or "lua5.4"
local script = h.source .. "/scripts/includes.lua"
local cc = os.getenv("SEQCC_CC") or "cc"

local function includes(args)
  return h.run({ lua, script, table.unpack(args) })
end

-- A copy of the checkout's compiler/ and runtime/ to break.
local function copy()
  local root = h.tmpdir()
  assert(os.execute("cp -R " .. h.quote(h.source .. "/runtime") .. " " .. h.quote(h.source .. "/compiler")
                    .. " " .. h.quote(root)))
  return root
end

local function append(path, text)
  local f = assert(io.open(path, "ab"))
  f:write(text)
  f:close()
end

local function lines_of(path)
  local n = 0
  for _ in io.lines(path) do n = n + 1 end
  return n
end

describe("scripts/includes.lua", function()
  teardown(h.cleanup)

  it("finds the checkout's folders in layers and no circle among its files", function()
    local r = includes({ "--check", "--objects", h.build })
    assert.are.equal(0, r.code, r.out .. r.err)
    assert.are.equal("", r.err)
    local order, at = {}, 0
    for _, folder in ipairs({ "base/", "kernels/", "data/", "train/", "api/", "cli/" }) do
      local pos = r.out:find("\n  %d  " .. folder:gsub("%p", "%%%0"))
      assert.is_truthy(pos, folder .. " not listed:\n" .. r.out)
      assert.is_true(pos > at, folder .. " out of order:\n" .. r.out)
      at = pos
      order[#order + 1] = folder
    end
    assert.matches("runtime/: %d+ files in [^\n]+, no circle", r.out)
    assert.matches("compiler/: %d+ files in [^\n]+, no circle", r.out)
  end)

  it("refuses an include that runs back up the layers", function()
    local root = copy()
    local util = root .. "/runtime/base/util.h"
    local n = lines_of(util)
    append(util, '#include "cli/cli.h"\n')
    local r = includes({ "--check", "--root", root })
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches("runtime/base/util.h:" .. (n + 1) .. ": includes runtime/cli/cli.h: runtime/base may "
                   .. "not include runtime/cli", r.err, 1, true)
    -- without --check it only reports
    assert.are.equal(0, includes({ "--root", root }).code)
  end)

  it("refuses headers that include each other", function()
    local root = copy()
    append(root .. "/runtime/data/csv.h", '#include "textset.h"\n')
    local r = includes({ "--check", "--root", root })
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches("headers that include each other: runtime/data/csv.h runtime/data/textset.h", r.err,
                   1, true)
  end)

  it("refuses two files whose objects call each other", function()
    local root = h.tmpdir()
    assert(os.execute("mkdir -p " .. h.quote(root .. "/compiler") .. " " .. h.quote(root .. "/runtime/base")
                      .. " " .. h.quote(root .. "/build/runtime/CMakeFiles/seqrt.dir/base")))
    h.write(root .. "/runtime/base/ping.c", "int pong(int n);\nint ping(int n) { return n ? pong(n - 1) : 0; }\n")
    h.write(root .. "/runtime/base/pong.c", "int ping(int n);\nint pong(int n) { return n ? ping(n - 1) : 1; }\n")
    for _, f in ipairs({ "ping", "pong" }) do
      local r = h.run({ cc, "-c", root .. "/runtime/base/" .. f .. ".c", "-o",
                        root .. "/build/runtime/CMakeFiles/seqrt.dir/base/" .. f .. ".c.o" })
      assert.are.equal(0, r.code, r.err)
    end
    local r = includes({ "--check", "--root", root, "--objects", root .. "/build" })
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches("a circle of files: runtime/base/ping.c runtime/base/pong.c\n"
                   .. "  runtime/base/ping.c calls pong of runtime/base/pong.c\n"
                   .. "  runtime/base/pong.c calls ping of runtime/base/ping.c", r.err, 1, true)
  end)
end)
