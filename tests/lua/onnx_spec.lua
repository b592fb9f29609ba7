-- onnx_spec.lua: `NAME export-onnx`, a trained model as an ONNX file. For
-- every spec in specs/ (a checkpoint of a few steps): ONNX's checker
-- passes it (tests/onnx/check.py, python3-onnx) and ONNX Runtime
-- (tests/onnx/ort.js, onnxruntime-node) gives the binary's predict --probs
-- to 1e-5 on 1,000 IMDB test reviews, fed the ids `encode` prints (a series:
-- the forecasts on 200 windows; a char-lm: sample --probs's next-character
-- probabilities after three primes, fed the characters' ids from the file's
-- seqcc.chars); predict --ids on encode's ids answers as predict on the
-- text. Bad uses get an error and write nothing. Skipped (77)
-- without ONNX in the build, python3-onnx, Node or onnxruntime-node.
local h = require("harness")
local json = require("dkjson")

local skip = h.skip
h.need_onnx()
local python = os.getenv("SEQCC_PYTHON") or "/usr/bin/python3"
local probe = h.run({ python, "-c", "import onnx" })
if probe.code ~= 0 then skip("python3-onnx is missing: " .. probe.err) end
local node_path = os.getenv("NODE_PATH")
if not node_path or node_path == "" then
  local p = io.popen("npm root -g 2>/dev/null")
  node_path = p and p:read("l") or ""
  if p then p:close() end
end
probe = h.run({ "env", "NODE_PATH=" .. node_path, "node", "-e", "require('onnxruntime-node')" })
if probe.code ~= 0 then skip("Node or onnxruntime-node is missing: " .. probe.err) end

local function kind_of(name)
  local spec = h.read(h.source .. "/specs/" .. name .. ".yaml")
  local kind = spec:match("\n%s*kind:%s*([%w%-]+)")
  if kind == "char-lm" or kind == "series" then return kind end
  return "text"
end

local function export(name, ckpt)
  local file = h.tmpdir() .. "/" .. name .. ".onnx"
  local r = h.run({ h.model(name), "export-onnx", "--checkpoint", ckpt, "--out", file })
  assert(r.code == 0, name .. ": " .. r.out .. r.err)
  local c = h.run({ python, h.source .. "/tests/onnx/check.py", file })
  assert(c.code == 0, name .. ": onnx.checker: " .. c.err)
  return file, assert(json.decode(c.out))
end

local function ort(file, input)
  local r = h.run({ "env", "NODE_PATH=" .. node_path, "node", h.source .. "/tests/onnx/ort.js", file },
                  input)
  assert(r.code == 0, "ort.js: " .. r.err)
  local rows = {}
  for line in r.out:gmatch("[^\n]+") do
    local row = {}
    for v in line:gmatch("%S+") do row[#row + 1] = tonumber(v) end
    rows[#rows + 1] = row
  end
  return rows
end

local function agree_text(name, file, ckpt, meta)
  local text = h.review_lines()
  local want = h.run({ h.model(name), "predict", "--checkpoint", ckpt, "--probs" }, text)
  assert(want.code == 0, want.err)
  local ids = h.run({ h.model(name), "encode", "--checkpoint", ckpt }, text)
  assert(ids.code == 0, ids.err)
  local got = ort(file, ids.out)
  if #meta.inputs == 1 then -- no chars: predict --ids reads what encode prints, to the same answers
    local again = h.run({ h.model(name), "predict", "--checkpoint", ckpt, "--probs", "--ids" }, ids.out)
    assert(again.code == 0, again.err)
    assert.are.equal(want.out, again.out, name .. ": predict --ids on encode's ids")
  end
  local classes = json.decode(meta["seqcc.classes"])
  local n, worst = 0, 0
  for line in want.out:gmatch("[^\n]+") do
    n = n + 1
    local p, c = {}, 0
    for label, v in line:gmatch("\t([^\t=]+)=([-%d.e]+)") do
      c = c + 1
      assert.are.equal(classes[c], label, name .. ": the metadata's classes")
      p[c] = tonumber(v)
    end
    local q = assert(got[n], name .. ": fewer answers than lines")
    assert.are.equal(#p, #q, name .. " line " .. n)
    for k = 1, #p do worst = math.max(worst, math.abs(p[k] - q[k])) end
  end
  assert.are.equal(1000, n)
  assert.are.equal(1000, #got)
  print(string.format("%s: ONNX Runtime within %.3g of predict --probs (6 decimals) on 1,000 reviews",
                      name, worst))
  assert.is_true(worst <= 1e-5, name .. ": ONNX Runtime differs from predict by " .. worst)
end

local function agree_series(name, file, ckpt)
  local T = tonumber(h.read(h.source .. "/specs/" .. name .. ".yaml"):match("seq_len:%s*(%d+)"))
  local info = h.read(h.source .. "/generated/" .. name .. "/" .. name .. "_info.c")
  local F = tonumber(info:match("%.n_features = (%d+)"))
  local text = h.series_windows(T, F)
  local want = h.run({ h.model(name), "predict", "--checkpoint", ckpt }, text)
  assert(want.code == 0, want.err)
  local got = ort(file, text)
  local n = 0
  for line in want.out:gmatch("[^\n]+") do
    n = n + 1
    local a, b = tonumber(line), got[n][1]
    assert.is_true(h.forecast_close(a, b), string.format("%s window %d: %s vs %.9g", name, n, line, b))
  end
  assert.are.equal(200, n)
end

-- A prime's ids: 1 + each character's place in seqcc.chars, 0 for others.
local function char_ids(chars, text)
  local place, ids = {}, {}
  local i = 0
  for _, cp in utf8.codes(chars) do
    i = i + 1
    place[cp] = i
  end
  for _, cp in utf8.codes(text) do ids[#ids + 1] = tostring(place[cp] or 0) end
  return table.concat(ids, " ")
end

local function agree_char_lm(name, file, ckpt, meta)
  local chars = json.decode(meta["seqcc.chars"])
  for _, prime in ipairs({ "ROMEO:", "To be, or not to be", "\nQ" }) do
    local want = h.run({ h.model(name), "sample", "--checkpoint", ckpt, "--prime", prime, "--probs" })
    assert(want.code == 0, want.err)
    local p = {}
    for v in want.out:gmatch("%S+") do p[#p + 1] = tonumber(v) end
    local q = ort(file, char_ids(chars, prime) .. "\n")[1]
    assert.are.equal(#p, #q, name)
    local worst = 0
    for k = 1, #p do worst = math.max(worst, math.abs(p[k] - q[k])) end
    assert.is_true(worst <= 1e-5, name .. " after " .. prime .. ": differs by " .. worst)
  end
end

describe("ONNX exports", function()
  teardown(h.cleanup)

  for _, name in ipairs(h.seed_specs()) do
    it(name .. " passes onnx.checker and ONNX Runtime agrees with the binary", function()
      local kind = kind_of(name)
      local ckpt = h.short_checkpoint(name, kind)
      local file, meta = export(name, ckpt)
      assert.are.equal(name, meta["seqcc.model"])
      assert.is_truthy(meta["seqcc.spec_sha256"]:match("^%x+$"))
      if kind == "text" then
        assert.is_truthy(tonumber(meta["seqcc.vocab_size"]))
        agree_text(name, file, ckpt, meta)
      elseif kind == "series" then
        agree_series(name, file, ckpt)
      else
        agree_char_lm(name, file, ckpt, meta)
      end
    end)
  end
end)

describe("export-onnx's bad uses", function()
  teardown(h.cleanup)

  it("no --out, a damaged or another model's checkpoint, a missing folder: an error, nothing written", function()
    local ckpt = h.short_checkpoint("imdb_lstm", "text")
    local r = h.run({ h.model("imdb_lstm"), "export-onnx", "--checkpoint", ckpt })
    assert.are.equal(2, r.code)
    assert.is_truthy(r.err:match("needs %-%-out"), r.err)
    local dir = h.tmpdir()
    local out = dir .. "/model.onnx"
    local other = h.short_checkpoint("imdb_gru", "text")
    r = h.run({ h.model("imdb_lstm"), "export-onnx", "--checkpoint", other, "--out", out })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("^error: "), r.err)
    local bad = dir .. "/bad.safetensors"
    local bytes = h.read(ckpt)
    local at = #bytes - 100
    h.write(bad, bytes:sub(1, at - 1) .. string.char((bytes:byte(at) + 1) % 256) .. bytes:sub(at + 1))
    r = h.run({ h.model("imdb_lstm"), "export-onnx", "--checkpoint", bad, "--out", out })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("damaged"), r.err)
    r = h.run({ h.model("imdb_lstm"), "export-onnx", "--checkpoint", ckpt, "--out", dir .. "/no/such/x.onnx" })
    assert.are.equal(1, r.code)
    assert.are.same({ "bad.safetensors" }, h.ls(dir))
  end)

  it("encode: a char-lm or a series has no ids to print; a blank line is an error", function()
    local ckpt = h.short_checkpoint("imdb_lstm", "text")
    local r = h.run({ h.model("imdb_lstm"), "encode", "--checkpoint", ckpt }, "good\n \nbad\n")
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("<stdin>:2: empty line"), r.err)
    assert.are.equal(1, select(2, r.out:gsub("\n", "")))
    r = h.run({ h.model("hamlet_charlm"), "encode", "--checkpoint", ckpt })
    assert.are.equal(2, r.code)
    r = h.run({ h.model("sine_lstm"), "encode", "--checkpoint", ckpt })
    assert.are.equal(2, r.code)
  end)

  it("predict --ids: an id out of range or not a number names its line; a char-CNN model refuses", function()
    local ckpt = h.short_checkpoint("imdb_lstm", "text")
    local r = h.run({ h.model("imdb_lstm"), "predict", "--checkpoint", ckpt, "--ids" }, "5 7 9\n4 10000\n")
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("<stdin>:2: id 1 is 10000; ids go from 0 to 9999"), r.err)
    assert.are.equal(1, select(2, r.out:gsub("\n", "")))
    r = h.run({ h.model("imdb_lstm"), "predict", "--checkpoint", ckpt, "--ids" }, "5 x7\n")
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("<stdin>:1: id 2, 'x7', is not a token id"), r.err)
    r = h.run({ h.model("imdb_lstm"), "predict", "--checkpoint", ckpt, "--ids" }, "0 0\n")
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("no ids"), r.err)
    r = h.run({ h.model("charword_cnn_lstm"), "predict", "--checkpoint", ckpt, "--ids" }, "5\n")
    assert.are.equal(2, r.code)
  end)
end)
