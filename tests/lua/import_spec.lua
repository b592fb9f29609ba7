-- import_spec.lua: `seqcc import` of the ONNX files PyTorch 1.13 writes for
-- the six models of tests/onnx/torch_models.py (LSTM, GRU, RNN, a
-- bidirectional 2-layer LSTM, Conv1d + LSTM, Embedding + mean + Linear):
-- each spec builds (`seqcc build`, installed) and the binary's predict --ids
-- with the imported weights gives PyTorch's probabilities to 1e-5 on random
-- id sequences; it exports to ONNX again, and train --init-weights
-- fine-tunes it on a CSV. What seqcc cannot represent is an error naming
-- the node; a damaged or truncated file is an error; nothing is written
-- then. Skipped (77) without ONNX in the build or PyTorch.
local h = require("harness")

local skip = h.skip
h.need_onnx()
local python = os.getenv("SEQCC_PYTHON") or "/usr/bin/python3"
local models = h.tmpdir()
local made = h.run({ python, h.source .. "/tests/onnx/torch_models.py", models })
if made.code == 3 then skip("PyTorch is missing: " .. made.err) end
assert(made.code == 0, "torch_models.py: " .. made.err)

local MODELS = { "torch_lstm", "torch_gru", "torch_rnn", "torch_bilstm2", "torch_conv_lstm",
                 "torch_mean_bag" }

local function seqcc() return h.installed() .. "/bin/seqcc" end

local function rows(text, pattern)
  local out = {}
  for line in text:gmatch("[^\n]+") do
    local row = {}
    for v in line:gmatch(pattern) do row[#row + 1] = tonumber(v) end
    out[#out + 1] = row
  end
  return out
end

local function import(name, dir)
  local r = h.run({ seqcc(), "import", models .. "/" .. name .. ".onnx", "--out", dir })
  assert(r.code == 0, name .. ": " .. r.err)
  return dir .. "/" .. name .. ".yaml", dir .. "/" .. name .. ".safetensors"
end

local function build(name, spec, dir)
  local bin = dir .. "/" .. name
  local r = h.run({ seqcc(), "build", spec, "-o", bin })
  assert(r.code == 0, name .. ": seqcc build: " .. r.out .. r.err)
  return bin
end

describe("seqcc import", function()
  teardown(h.cleanup)

  for _, name in ipairs(MODELS) do
    it(name .. " predicts PyTorch's probabilities", function()
      local dir = h.tmpdir()
      local spec, weights = import(name, dir)
      local bin = build(name, spec, dir)
      local ids = h.read(models .. "/" .. name .. ".ids")
      local r = h.run({ bin, "predict", "--checkpoint", weights, "--ids", "--probs" }, ids)
      assert(r.code == 0, name .. ": " .. r.err)
      local got, want = rows(r.out, "=([-%d.e]+)"), rows(h.read(models .. "/" .. name .. ".probs"), "%S+")
      assert.are.equal(20, #want)
      assert.are.equal(#want, #got)
      local worst = 0
      for i = 1, #want do
        assert.are.equal(#want[i], #got[i], name .. " row " .. i)
        for c = 1, #want[i] do worst = math.max(worst, math.abs(want[i][c] - got[i][c])) end
      end
      print(string.format("%s: within %.3g of PyTorch (predict prints 6 decimals)", name, worst))
      assert.is_true(worst <= 1e-5, name .. ": differs from PyTorch by " .. worst)
      r = h.run({ bin, "export-onnx", "--checkpoint", weights, "--out", dir .. "/again.onnx" })
      assert(r.code == 0, name .. ": " .. r.err)
    end)
  end

  it("torch_lstm fine-tunes: train --init-weights on a CSV of the spec's data section", function()
    local dir = h.tmpdir()
    local spec, weights = import("torch_lstm", dir)
    local bin = build("torch_lstm", spec, dir)
    local lines = { "text,label" }
    for i = 1, 60 do
      lines[#lines + 1] = (i % 2 == 0 and "a fine film good and moving" or "a dull film bad and slow") ..
                          " " .. i .. "," .. (i % 2 == 0 and "pos" or "neg")
    end
    h.write(dir .. "/torch_lstm.csv", table.concat(lines, "\n") .. "\n")
    local r = h.run({ bin, "train", "--init-weights", weights, "--out", dir .. "/run", "--max-steps", "2",
                      "--threads", "1" })
    assert(r.code == 0, r.out .. r.err)
    assert.is_true(h.exists(dir .. "/run/checkpoint.safetensors"))
  end)

  it("names the node of what seqcc cannot represent, and writes nothing", function()
    for name, want in pairs({
      torch_bad_bidirectional_last = "node %d+ '/Gather' %(Gather%): error: x%[:, %-1%] of a bidirectional lstm",
      torch_bad_layernorm = "node %d+ '[^']*' %(ReduceMean%): error: only the mean over time",
    }) do
      local dir = h.tmpdir() .. "/out"
      local r = h.run({ seqcc(), "import", models .. "/" .. name .. ".onnx", "-o", dir })
      assert.are.equal(2, r.code, name)
      assert.is_truthy(r.err:match(want), r.err)
      assert.is_false(h.exists(dir))
    end
  end)

  it("refuses a damaged, truncated or empty file, or one that is no ONNX, and writes nothing", function()
    local bytes = h.read(models .. "/torch_conv_lstm.onnx")
    local dir = h.tmpdir()
    local bad = {}
    for k = 1, 7 do bad[#bad + 1] = bytes:sub(1, #bytes * k // 8) end -- cut inside the graph
    bad[#bad + 1] = ""
    bad[#bad + 1] = "name: not onnx\n"
    bad[#bad + 1] = string.rep("\255", 64)
    for i, b in ipairs(bad) do
      local file = dir .. "/bad" .. i .. ".onnx"
      h.write(file, b)
      local r = h.run({ seqcc(), "import", file, "-o", dir .. "/out" })
      assert.are.equal(2, r.code, "case " .. i .. ": " .. r.err)
      assert.is_truthy(r.err:match("^" .. file:gsub("%p", "%%%0") .. ": "), r.err)
      assert.is_false(h.exists(dir .. "/out"), "case " .. i)
    end
    local r = h.run({ seqcc(), "import", dir .. "/missing.onnx", "-o", dir .. "/out" })
    assert.are.equal(1, r.code)
  end)
end)
