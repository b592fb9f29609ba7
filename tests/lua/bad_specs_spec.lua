-- bad_specs_spec.lua: the bad-spec corpus (tests/bad_specs) as a whole, and
-- specs too large for a file of their own. Each case is a CTest test of its
-- own (bad_spec/NAME, tests/unit/bad_spec.c): rejected with
-- FILE:LINE:COL: error: at the position and with the words its first line
-- promises ("# expect: LINE:COL: TEXT"), exit status 2, not one byte written.
local h = require("harness")

local corpus_dir = h.source .. "/tests/bad_specs"

-- The "# expect:" line of PATH: line, column and text, or nil and why not.
local function expectation(path)
  local text = h.read(path)
  if not text then return nil, "cannot read " .. path end
  local first = text:match("^[^\n]*")
  local line, col, words = first:match("^# expect: (%d+):(%d+): (.+)$")
  if not line then
    return nil, path .. ": the first line must be '# expect: LINE:COL: TEXT', not '" .. first .. "'"
  end
  return { line = tonumber(line), col = tonumber(col), text = words }
end

local function cases()
  local list = {}
  for _, name in ipairs(h.ls(corpus_dir)) do
    list[#list + 1] = { name = name, path = corpus_dir .. "/" .. name }
  end
  return list
end

local snapshot = h.snapshot

-- The first way snapshot AFTER differs from BEFORE, or nil.
local function difference(before, after)
  for name, bytes in pairs(before.files) do
    if after.files[name] ~= bytes then return name .. " was changed or removed" end
  end
  for name in pairs(after.files) do
    if not before.files[name] then return name .. " appeared" end
  end
  if after.times ~= before.times then
    return "modification times changed:\n" .. before.times .. "to\n" .. after.times
  end
  return nil
end

describe("the bad-spec corpus", function()
  teardown(h.cleanup)

  it("has at least 30 cases, all NN_short_name.yaml (NN two or three digits) with a well-formed # expect: line", function()
    local list = cases()
    assert.is_true(#list >= 30, "only " .. #list .. " cases in " .. corpus_dir)
    for _, c in ipairs(list) do
      assert.is_truthy(c.name:match("^%d%d%d?_[%w_]+%.yaml$"), c.name .. " is not named NN_short_name.yaml")
      assert.is_truthy(expectation(c.path))
    end
  end)

  -- 200,000 keys (or columns) with a repeat at the end: quadratic repeat
  -- checks took minutes; linear ones take a fraction of a second. The 30 s
  -- timeout only catches such a regression (also under sanitizers).
  local many = 200000
  local function many_lines(fmt)
    local lines = {}
    for i = 1, many do lines[i] = string.format(fmt, i) end
    return table.concat(lines, "\n") .. "\n"
  end

  local function run_bounded(path)
    return h.run({ "timeout", "30", h.seqcc, "summary", path })
  end

  it("finds a repeated key among 200,000 in linear time", function()
    local path = h.tmpdir() .. "/many_keys.yaml"
    h.write(path, "name: many\n" .. many_lines("k%d: 1") .. "k7: 2\n")
    local r = run_bounded(path)
    assert.are.equal(2, r.code, "not rejected in 30 s:\n" .. r.err:sub(1, 400))
    assert.are.equal(path .. ":" .. (many + 2) .. ":1: error: duplicate key 'k7' (first given at line 8)",
                     r.err:match("^[^\n]*"))
  end)

  it("reports 200,000 unknown keys in linear time, 20 of them", function()
    local path = h.tmpdir() .. "/unknown_keys.yaml"
    h.write(path, "name: many\n" .. many_lines("k%d: 1"))
    local r = run_bounded(path)
    assert.are.equal(2, r.code, "not rejected in 30 s:\n" .. r.err:sub(1, 400))
    local _, lines = r.err:gsub("\n", "")
    assert.are.equal(21, lines, "expected 20 errors and a line saying the rest are not shown")
    assert.is_truthy(r.err:find(path .. ":2:1: error: unknown key 'k1' in the spec", 1, true))
    assert.is_truthy(r.err:find(path .. ": error: more than 20 errors; the rest are not shown", 1, true))
  end)

  it("resolves 200,000 aliases to as many anchors in linear time", function()
    local path = h.tmpdir() .. "/many_anchors.yaml"
    h.write(path, "name: many\nitems:\n" .. many_lines("  - &a%d 1") .. many_lines("  - *a%d")
            .. "  - *nowhere\n")
    local r = run_bounded(path)
    assert.are.equal(2, r.code, "not rejected in 30 s:\n" .. r.err:sub(1, 400))
    assert.are.equal(path .. ":" .. (2 * many + 3) .. ":5: error: unknown alias '*nowhere'",
                     r.err:match("^[^\n]*"))
  end)

  it("finds a repeated column among 200,000 in linear time", function()
    local path = h.tmpdir() .. "/many_columns.yaml"
    h.write(path, "name: many\ninput:\n  batch: 4\n  seq_len: 4\ndata:\n  kind: series\n"
            .. "  format: csv\n  path: x.csv\n  target: c1\n  columns:\n"
            .. many_lines("    - c%d") .. "    - c9\n"
            .. "layers:\n  - type: lstm\n    units: 4\n  - type: dense\n    units: 1\nloss: mse\noptimizer:\n  type: adam\n")
    local r = run_bounded(path)
    assert.are.equal(2, r.code, "not rejected in 30 s:\n" .. r.err:sub(1, 400))
    assert.are.equal(path .. ":" .. (many + 11) .. ":7: error: column 'c9' is listed twice",
                     r.err:match("^[^\n]*"))
  end)

  it("leaves an existing output folder byte-for-byte unchanged", function()
    local dir = h.tmpdir() .. "/out"
    assert.are.equal(0, h.run({ h.seqcc, h.source .. "/specs/imdb_lstm.yaml", "-o", dir }).code)
    h.write(dir .. "/notes.txt", "not seqcc's\n")
    local before = snapshot(dir)
    assert.is_truthy(before.files["imdb_lstm.c"], "the good spec wrote no imdb_lstm.c")
    for _, c in ipairs(cases()) do
      local r = h.run({ h.seqcc, c.path, "-o", dir })
      assert.are.equal(2, r.code, c.path .. " should exit 2:\n" .. r.err)
      assert.is_nil(difference(before, snapshot(dir)), c.name .. " changed " .. dir)
    end
  end)
end)
