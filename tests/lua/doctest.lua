-- doctest.lua: the doc tests' runner. A page (README.md, docs/*.md) is read
-- for its fenced blocks; every ```sh block's commands are run, in order, in
-- one shell session that starts in a fresh scratch folder laid out as the
-- checkout (its folders as symlinks, `build` the build tree under test,
-- `data` the data, `examples` a copy, HOME a folder of its own), so a page
-- says `build/imdb_lstm train ...` exactly as a reader types it at the
-- checkout's root. A command that exits non-zero fails the page.
--
-- A block may be preceded (its last non-blank line before the fence) by a
-- marker, several of them separated by ';':
--   <!-- doc-test: not run: WHY -->   the block is not run; counted and printed
--   <!-- doc-test: needs WHAT... -->  run only where WHAT is there: a program on
--                                     PATH, `python3-torch`, `libdnnl-dev`, `onnx`
--                                     (a build with ONNX and python3-onnx),
--                                     `onnxruntime-node` (Node and the npm package),
--                                     `mpi` (mpirun and a build with MPI) or a
--                                     path in the scratch folder (`data/aclImdb`);
--                                     else the page is reported skipped, never passed
--   <!-- doc-test: exits N -->        every command of the block must exit with N
--                                     (a page showing an error)
-- Blocks tagged text, console, yaml, c, cmake, ... are not run; a fence
-- without a language, an sh block with no command, an unknown marker and a
-- marker before no fence are errors, as is a relative link to a file that
-- does not exist.
local h = require("harness")
local M = {}

M.run_langs = { sh = true, bash = true, shell = true }

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Whether TEXT is complete shell syntax (no open quote, parenthesis,
-- here-document or trailing backslash).
local function complete(text)
  if text:match("\\$") then return false end
  local f = assert(io.popen("bash -n 2>/dev/null <<'__DOCTEST_EOF__'\n" .. text ..
                            "\n__DOCTEST_EOF__\necho $?"))
  local rc = f:read("l")
  f:close()
  return rc == "0"
end

-- Parses a marker's words into MARK (a table); returns an error or nil.
local function parse_marker(body, mark)
  for part in (body .. ";"):gmatch("([^;]*);") do
    part = trim(part)
    local why = part:match("^not run:%s*(.*)$")
    if why then
      if why == "" then return "`not run:` needs a reason" end
      mark.not_run = why
    elseif part:match("^needs%s") then
      mark.needs = mark.needs or {}
      for w in part:gsub("^needs%s+", ""):gmatch("%S+") do mark.needs[#mark.needs + 1] = w end
    elseif part:match("^exits%s+%d+$") then
      mark.exits = tonumber(part:match("%d+"))
      if mark.exits == 0 then return "`exits 0` is what every block does: leave it out" end
    elseif part ~= "" then
      return "unknown doc-test marker `" .. part .. "` (not run: WHY, needs WHAT, exits N)"
    end
  end
  return nil
end

-- Reads the page at PATH (NAME is how messages name it). Returns
-- { blocks = { {line, lang, commands = { {line, text} }, mark} }, errors = {...} }.
function M.parse(path, name)
  local page = { blocks = {}, errors = {}, links = {} }
  local lines = {}
  for l in assert(io.open(path, "rb")):lines() do lines[#lines + 1] = l end
  local function err(n, msg) page.errors[#page.errors + 1] = name .. ":" .. n .. ": " .. msg end
  local pending_mark, mark_line
  local i = 1
  while i <= #lines do
    local l = lines[i]
    local indent, ticks, lang = l:match("^(%s*)(```+)%s*([%w%-_+]*)")
    if ticks then
      local block = { line = i, lang = lang, body = {}, mark = pending_mark or {} }
      pending_mark = nil
      if lang == "" then
        err(i, "a fence without a language: say sh (run by the doc tests) or text, console, yaml, c, cmake ... (not run)")
      end
      i = i + 1
      while i <= #lines and not (lines[i]:match("^%s*```+%s*$") and #lines[i]:match("`+") >= #ticks) do
        block.body[#block.body + 1] = { line = i, text = lines[i]:sub(#indent + 1) }
        i = i + 1
      end
      if i > #lines then err(block.line, "the block is never closed") end
      page.blocks[#page.blocks + 1] = block
    else
      local body = l:match("^%s*<!%-%-%s*doc%-test:%s*(.-)%s*%-%->%s*$")
      if body then
        if pending_mark then err(mark_line, "a doc-test marker before no fence") end
        pending_mark, mark_line = {}, i
        local e = parse_marker(body, pending_mark)
        if e then err(i, e) end
      elseif l:match("^%s*<!%-%-%s*doc%-test:") then
        err(i, "a doc-test marker must be one line: <!-- doc-test: ... -->")
      elseif pending_mark and trim(l) ~= "" then
        err(mark_line, "a doc-test marker before no fence (it must be the last line before one)")
        pending_mark = nil
      end
      for target in l:gmatch("%]%(([^)%s]+)%)") do
        page.links[#page.links + 1] = { line = i, target = target }
      end
    end
    i = i + 1
  end
  if pending_mark then err(mark_line, "a doc-test marker before no fence") end
  -- An sh block's commands: comment and blank lines dropped, the rest cut
  -- into commands of complete shell syntax.
  for _, b in ipairs(page.blocks) do
    if M.run_langs[b.lang] then
      b.run = true
      b.commands = {}
      local cur
      for _, bl in ipairs(b.body) do
        if cur then
          cur.text = cur.text .. "\n" .. bl.text
        elseif trim(bl.text) ~= "" and not trim(bl.text):match("^#") then
          cur = { line = bl.line, text = bl.text }
        end
        if cur and complete(cur.text) then
          b.commands[#b.commands + 1] = cur
          cur = nil
        end
      end
      if cur then err(cur.line, "a command whose shell syntax is never complete") end
      if #b.commands == 0 and not b.mark.not_run then
        err(b.line, "an sh block with no command (a listing is ```text)")
      end
    elseif b.mark.needs or b.mark.exits then
      err(b.line, "needs/exits on a block that is not run (```" .. b.lang .. ")")
    end
  end
  return page
end

-- Why NEED is not there (nil if it is); ROOT is the scratch folder.
local function missing(need, root)
  if need == "python3-torch" then
    if os.execute("/usr/bin/python3 -c 'import torch, yaml, numpy' >/dev/null 2>&1") then return nil end
    return "PyTorch (python3-torch, python3-yaml, python3-numpy) is not installed"
  elseif need == "onnx" then
    if os.getenv("SEQCC_ONNX") ~= "1" then return "this build has no ONNX (SEQCC_ONNX off)" end
    if os.execute("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") then return nil end
    return "python3-onnx is not installed"
  elseif need == "onnxruntime-node" then
    if os.execute("NODE_PATH=\"$(npm root -g 2>/dev/null)\" node -e \"require('onnxruntime-node')\" " ..
                  ">/dev/null 2>&1") then return nil end
    return "Node or onnxruntime-node is missing (npm install -g --ignore-scripts onnxruntime-node)"
  elseif need == "libdnnl-dev" then
    if h.exists("/usr/include/dnnl.h") then return nil end
    return "oneDNN (libdnnl-dev) is not installed"
  elseif need == "mpi" then
    if not os.execute("command -v mpirun >/dev/null 2>&1") then return "mpirun is missing (openmpi-bin)" end
    if os.getenv("SEQCC_MPI") ~= "1" then return "this build has no MPI (SEQCC_MPI off)" end
    return nil
  elseif need:find("/") then
    if h.exists(root .. "/" .. need) then return nil end
    return need .. " is missing (scripts/fetch-data.sh)"
  end
  if os.execute("command -v " .. h.quote(need) .. " >/dev/null 2>&1") then return nil end
  return need .. " is not installed"
end

-- The scratch folder: the checkout's entries as symlinks, but build (the
-- build tree), data, examples (a copy: its projects build in place) and
-- the checkout's own build trees and runs.
local function scratch()
  local root = h.tmpdir() .. "/page"
  assert(os.execute("mkdir -p " .. h.quote(root .. "/home")))
  for _, name in ipairs(h.ls(h.source)) do
    if name ~= ".git" and not name:match("^build") and name ~= "data" and name ~= "runs"
       and name ~= "examples" then
      assert(os.execute("ln -s " .. h.quote(h.source .. "/" .. name) .. " " .. h.quote(root .. "/" .. name)))
    end
  end
  assert(os.execute("cp -R " .. h.quote(h.source .. "/examples") .. " " .. h.quote(root .. "/examples")))
  assert(os.execute("ln -s " .. h.quote(h.build) .. " " .. h.quote(root .. "/build")))
  assert(os.execute("ln -s " .. h.quote(h.data) .. " " .. h.quote(root .. "/data")))
  return root
end

-- Runs the page at PATH (NAME: how it is named, relative to the checkout).
-- Returns { status = "pass" | "fail" | "skip", report = text, log = text }.
function M.run(path, name, opts)
  opts = opts or {}
  local page = M.parse(path, name)
  local report = {}
  local function say(...) report[#report + 1] = table.concat({ ... }) end
  local dir = path:match("^(.*)/[^/]*$") or "."
  for _, link in ipairs(page.links) do
    local t = link.target
    if not t:match("^%a[%w+.-]*:") and not t:match("^#") then
      t = t:gsub("#.*$", "")
      if not h.exists(dir .. "/" .. t) then
        page.errors[#page.errors + 1] = name .. ":" .. link.line .. ": a link to " .. t .. ", which does not exist"
      end
    end
  end
  if #page.errors > 0 then
    return { status = "fail", report = table.concat(page.errors, "\n"), log = "" }
  end
  local root = scratch()
  local script = { "cd " .. h.quote(root), "export HOME=" .. h.quote(root .. "/home"), "set -o pipefail",
                   -- mpirun as root (CI runs as root) only with Open MPI's consent
                   "if [ \"$(id -u)\" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi" }
  local counts = { blocks = 0, commands = 0, not_run = 0, skipped = 0 }
  local skips = {}
  for _, b in ipairs(page.blocks) do
    if b.run then
      local where = name .. ":" .. b.line
      local why
      for _, need in ipairs(b.mark.needs or {}) do why = why or missing(need, root) end
      if b.mark.not_run then
        counts.not_run = counts.not_run + 1
        say("not run: ", where, ": ", b.mark.not_run)
      elseif why then
        counts.skipped = counts.skipped + 1
        skips[#skips + 1] = where .. ": " .. why
        say("skipped: ", where, ": ", why)
      else
        counts.blocks = counts.blocks + 1
        for _, c in ipairs(b.commands) do
          counts.commands = counts.commands + 1
          local at = name .. ":" .. c.line
          local want = b.mark.exits or 0
          script[#script + 1] = "printf '\\n$ %s   (" .. at .. ")\\n' " .. h.quote(c.text)
          script[#script + 1] = "__doctest_t=$(date +%s%N)"
          script[#script + 1] = c.text
          script[#script + 1] = "__doctest_rc=$?; printf 'doc-test-time %s %d\\n' " .. h.quote(at) ..
            " $(( ($(date +%s%N) - __doctest_t) / 1000000 )) >> " .. h.quote(root .. "/../times")
          script[#script + 1] = "if [ $__doctest_rc -ne " .. want .. " ]; then printf '\\ndoc-test: " .. at ..
            ": exit status %d, expected " .. want .. "\\n' $__doctest_rc; exit 1; fi"
        end
      end
    end
  end
  script[#script + 1] = "exit 0"
  local file = root .. "/../doctest.sh"
  h.write(file, table.concat(script, "\n") .. "\n")
  local log = root .. "/../doctest.log"
  local t0 = os.time()
  local ok = os.execute("bash " .. h.quote(file) .. " < /dev/null > " .. h.quote(log) .. " 2>&1")
  local text = h.read(log) or ""
  say(string.format("%s: %d commands in %d blocks run (%d s); %d blocks not run, %d skipped",
                    name, counts.commands, counts.blocks, os.time() - t0, counts.not_run, counts.skipped))
  for line in (h.read(root .. "/../times") or ""):gmatch("[^\n]+") do
    local at, ms = line:match("^doc%-test%-time (%S+) (%d+)$")
    if at and tonumber(ms) >= 2000 then say(string.format("slow: %s: %.1f s", at, ms / 1000)) end
  end
  local status = not ok and "fail" or (#skips > 0 and "skip" or "pass")
  return { status = status, report = table.concat(report, "\n"), log = text, skips = skips, counts = counts }
end

return M
