-- docs_spec.lua: a page's doc test (docs/PAGE, one CTest test per page of
-- README.md and docs/*.md): every command of its ```sh blocks run as a
-- reader would type them, at the checkout's root (tests/lua/doctest.lua
-- says how, and the markers a block may carry). A page with a block whose
-- dependency is missing exits 77, which CTest reports as skipped.
local h = require("harness")
local doctest = require("doctest")

local name = os.getenv("SEQCC_DOC_PAGE") or error("SEQCC_DOC_PAGE is not set; run the tests through ctest")

describe("doc test", function()
  teardown(h.cleanup)

  it("runs every command of " .. name, function()
    local r = doctest.run(h.source .. "/" .. name, name)
    -- every command's output, kept for a reader of a passed run too
    local logs = h.build .. "/tests/doc-logs"
    os.execute("mkdir -p " .. h.quote(logs))
    local log_file = logs .. "/" .. name:gsub("/", "_") .. ".log"
    h.write(log_file, r.log)
    print(r.report)
    print("the commands' output: " .. log_file)
    if r.status == "fail" then
      local log = r.log
      if #log > 20000 then log = "...\n" .. log:sub(-20000) end
      error(name .. " fails:\n" .. r.report .. "\n" .. log, 0)
    elseif r.status == "skip" then
      io.stderr:write("skipped: ", table.concat(r.skips, "; "), "\n")
      h.cleanup()
      os.exit(77)
    end
  end)
end)
