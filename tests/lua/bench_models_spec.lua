-- bench_models_spec.lua: bench/bench_models.py with tiny settings (a classifier
-- and a char-lm, 1 thread, 2 steps, 1 run; two short seq_lens of the compile
-- scaling): exit 0, the tables' shape (the oneDNN columns too, n/a without
-- libdnnl-dev) and the JSON file. Timings are not
-- judged. It needs PyTorch (Debian's python3-torch), python3-yaml and
-- python3-numpy; without them it exits with status 77, which CTest reports as
-- skipped.
local h = require("harness")

local python = "/usr/bin/python3"
if not os.execute(python .. " -c 'import torch, yaml, numpy' 2>/dev/null") then
  io.stderr:write("skipped: PyTorch (python3-torch), python3-yaml and python3-numpy are not ",
                  "all installed\n")
  os.exit(77)
end
local script = h.source .. "/bench/bench_models.py"

-- The rows of the markdown table under the line starting with HEAD, as lists of
-- cells (trimmed); nil when there is no such table.
local function table_after(text, head)
  local rows, inside = nil, false
  for line in text:gmatch("[^\n]*") do
    if not inside and line:sub(1, #head) == head then
      inside, rows = true, {}
    elseif inside then
      if line:sub(1, 1) ~= "|" then
        if #rows > 0 then break end
      else
        local cells = {}
        for c in line:sub(2):gmatch("([^|]*)|") do cells[#cells + 1] = c:match("^%s*(.-)%s*$") end
        rows[#rows + 1] = cells
      end
    end
  end
  return rows
end

local NUMBER = "^[%d,.]+$"               -- 8.24, 1,589
local RANGE = "^[%d.]+ %([%d.]+%-[%d.]+%)$" -- a median and its range (not with one run)

describe("bench_models.py", function()
  teardown(h.cleanup)

  it("times a classifier and a char-lm against PyTorch and prints the tables", function()
    local json = h.tmpdir() .. "/bench.json"
    local r = h.run({ python, script, "--models", "imdb_lstm,tiny_charlm", "--threads", "1",
                      "--steps", "2", "--repeat", "1", "--build-dir", h.build,
                      "--json-file", json })
    assert.are.equal(0, r.code, r.err)
    assert.matches("^Measured by bench/bench_models.py: .*PyTorch %d", r.out)
    assert.matches("\n1%-core fp32 peak %(bench/peak_flops.c%): [%d.]+ GFLOP/s", r.out)
    local onednn = r.out:match("\noneDNN 2[%d.]+ %(bench/onednn_rnn.c, its %-%-check passed")
    if not onednn then
      assert.matches("\noneDNN: n/a, [^\n]*libdnnl%-dev is missing", r.out)
    end

    local speed = table_after(r.out, "**1 thread.**")
    assert.is_not_nil(speed, r.out)
    assert.are.equal(4, #speed, r.out) -- head, rule, two models
    local head = speed[1]
    assert.are.equal(16, #head, r.out)
    assert.are.same({ "model", "batch x seq", "GFLOP/step", "seqcc step ms", "PyTorch step ms",
                      "ratio", "oneDNN RNN layers ms", "seqcc step vs oneDNN" },
                    { table.unpack(head, 1, 8) })
    assert.matches("^%-%-%-", speed[2][1])
    for i, model in ipairs({ "imdb_lstm", "tiny_charlm" }) do
      local row = speed[2 + i]
      assert.are.equal(16, #row, r.out)
      assert.are.equal(model, row[1])
      for _, k in ipairs({ 3, 4, 5, 9, 11, 12, 14, 15 }) do
        assert.is_true(row[k]:match(NUMBER) ~= nil and row[k]:match(RANGE) == nil,
                       head[k] .. ": " .. row[k])
        assert.is_true(tonumber((row[k]:gsub(",", ""))) >= 0, head[k] .. ": " .. row[k])
      end
      for _, k in ipairs({ 6, 13, 16 }) do
        assert.matches("^[%d.]+x$", row[k], head[k])
      end
      assert.matches("^%d+%%$", row[10], head[10])
      -- oneDNN: timed (both models have recurrent layers), or n/a without libdnnl-dev
      if onednn then
        assert.matches(NUMBER, row[7], head[7])
        assert.matches("^[%d.]+x$", row[8], head[8])
      else
        assert.are.same({ "n/a", "n/a" }, { row[7], row[8] })
      end
    end
    assert.are.equal("32 x 120", speed[3][2])
    assert.is_nil(table_after(r.out, "**2 threads.**"))

    local gen = table_after(r.out, "**Generated C**")
    assert.are.equal(4, #gen, r.out)
    assert.are.same({ "model", "generated lines", "kB", "compile f32 s", "compile f64 s" }, gen[1])
    for i = 3, 4 do
      for k = 2, 5 do
        assert.matches(NUMBER, gen[i][k], gen[1][k])
      end
    end

    local saved = h.read(json)
    assert.matches('^{"config": ', saved)
    assert.matches('"results": %[{"model": "imdb_lstm", "threads": 1', saved)
    assert.matches('"pytorch_missing": null', saved)
    assert.matches('"onednn": {"version": [^,]+, "check": .-, "missing": [^,]+, "error": null}',
                   saved)
  end)

  it("prints generated lines and compile seconds against seq_len", function()
    local r = h.run({ python, script, "--compile-scaling", "--seq-lens", "4,8",
                      "--build-dir", h.build })
    assert.are.equal(0, r.code, r.err)
    local rows = table_after(r.out, "Compile time:")
    assert.are.equal(4, #rows, r.out)
    assert.are.equal(9, #rows[1], r.out)
    assert.are.same({ "4", "8" }, { rows[3][1], rows[4][1] })
    local lines4, lines8 = rows[3][2]:gsub(",", ""), rows[4][2]:gsub(",", "")
    assert.is_true(tonumber(lines8) > tonumber(lines4), r.out)
  end)

  it("rejects an unknown model", function()
    local r = h.run({ python, script, "--models", "no_such_model", "--build-dir", h.build })
    assert.are.equal(1, r.code, r.out)
    assert.matches("no spec specs/no_such_model.yaml", r.err)
  end)
end)
