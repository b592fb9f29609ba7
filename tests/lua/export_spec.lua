-- export_spec.lua: `NAME export`, a trained model as freestanding C. For
-- every spec in specs/ (a checkpoint of a few steps): the f32 export,
-- compiled on the host with tests/export/driver.c, gives the binary's
-- predict --probs to 1e-5 on 1,000 IMDB test reviews (a series: its
-- forecasts on 200 windows; a char-lm: sample's very text for a seed and
-- temperature); both weight modes compile with -std=c99 -pedantic -Werror
-- as C and C++ and include only the four headers they may; bad inputs get a
-- status, not a crash; a failed export writes nothing.
local h = require("harness")

local cc = os.getenv("SEQCC_CC") or "cc"
-- Under the sanitizers the exports are compiled with them too, and three
-- models (one of each kind) stand for all: the binaries are slow there.
local sanitize = os.getenv("SEQCC_SANITIZE") == "1"
local sanitize_flags = sanitize and " -fsanitize=address,undefined -fno-sanitize-recover=all" or ""
local allowed = { ["stdint.h"] = true, ["stddef.h"] = true, ["string.h"] = true,
                  ["math.h"] = true }

local function kind_of(name)
  local spec = h.read(h.source .. "/specs/" .. name .. ".yaml")
  local kind = spec:match("\n%s*kind:%s*([%w%-]+)")
  if kind == "char-lm" then return "char-lm" end
  if kind == "series" then return "series" end
  return spec:match("word_len") and "charword" or "text"
end

local function export(name, ckpt, weights)
  local dir = h.tmpdir()
  local r = h.run({ h.model(name), "export", "--checkpoint", ckpt, "--out", dir, "--weights", weights })
  assert(r.code == 0, name .. ": " .. r.out .. r.err)
  return dir
end

-- The export in DIR with the driver, as a host program.
local function driver(name, kind, dir)
  local exe = dir .. "/driver"
  local mode = ({ text = "-DSEQ_TEXT", charword = "-DSEQ_TEXT -DSEQ_IDS_CHARS",
                  series = "-DSEQ_WINDOW", ["char-lm"] = "-DSEQ_CHAR_LM" })[kind]
  local cmd = string.format("%s" .. sanitize_flags .. " -std=c99 -O1 -Wall -Wextra -Werror -DSEQ_MODEL=%s -DSEQ_MODEL_UPPER=%s %s " ..
                            "-I%s -I%s/runtime %s/tests/export/driver.c %s/%s_infer.c %s -o %s -lm 2>&1",
                            cc, name, name:upper(), mode, h.quote(dir), h.quote(h.source),
                            h.quote(h.source), h.quote(dir), name,
                            kind == "char-lm" and h.quote(h.source .. "/runtime/base/rng.c") .. " " ..
                              h.quote(h.source .. "/runtime/base/utf8.c") or "",
                            h.quote(exe))
  local p = io.popen(cmd)
  local out = p:read("a")
  assert(p:close(), name .. ": " .. out)
  return exe
end

local function numbers(line)
  local t = {}
  for v in line:gmatch("[^%s=]+=([-%d.e]+)") do t[#t + 1] = tonumber(v) end
  return t
end

local function agree_text(name, exe, ckpt)
  local text = h.review_lines()
  local want = h.run({ h.model(name), "predict", "--checkpoint", ckpt, "--probs" }, text)
  assert(want.code == 0, want.err)
  local got = h.run({ exe, "text" }, text)
  assert(got.code == 0, got.err)
  local n, worst = 0, 0
  local g = got.out:gmatch("[^\n]+")
  for line in want.out:gmatch("[^\n]+") do
    n = n + 1
    local p, q = numbers(line), {}
    for v in assert(g(), "fewer answers than lines"):gmatch("[^\t]+") do q[#q + 1] = tonumber(v) end
    assert.are.equal(#p, #q, name .. " line " .. n)
    for c = 1, #p do worst = math.max(worst, math.abs(p[c] - q[c])) end
  end
  assert.are.equal(1000, n)
  assert.is_true(worst <= 1e-5, name .. ": the export differs from predict by " .. worst)
  return worst
end

local function agree_series(name, exe, ckpt, dir)
  local header = h.read(dir .. "/" .. name .. "_infer.h")
  local T = tonumber(header:match("_INFER_SEQ_LEN (%d+)"))
  local F = tonumber(header:match("_INFER_N_FEATURES (%d+)"))
  local text = h.series_windows(T, F)
  local want = h.run({ h.model(name), "predict", "--checkpoint", ckpt }, text)
  assert(want.code == 0, want.err)
  local got = h.run({ exe, "window" }, text)
  assert(got.code == 0, got.err)
  local g = got.out:gmatch("[^\n]+")
  local n = 0
  for line in want.out:gmatch("[^\n]+") do
    n = n + 1
    local a, b = tonumber(line), tonumber(g())
    assert.is_true(h.forecast_close(a, b), string.format("%s window %d: %s vs %.9g", name, n, line, b))
  end
  assert.are.equal(200, n)
end

local function agree_sample(name, exe, ckpt)
  for _, t in ipairs({ { "0", "0" }, { "0.8", "0" }, { "1", "5" } }) do
    local want = h.run({ h.model(name), "sample", "--checkpoint", ckpt, "--prime", "ROMEO:",
                         "--length", "300", "--temperature", t[1], "--top-k", t[2] == "0" and "1000000" or t[2],
                         "--seed", "42" })
    assert(want.code == 0, want.err)
    local got = h.run({ exe, "sample", "ROMEO:", "300", t[1], t[2] == "0" and "1000000" or t[2], "42" })
    assert(got.code == 0, got.err)
    assert.are.equal(want.out, got.out, name .. " at temperature " .. t[1])
  end
end

-- Every #include of the files, and the compilers' verdicts.
local function check_freestanding(name, dir)
  for _, f in ipairs({ dir .. "/" .. name .. "_infer.c", dir .. "/" .. name .. "_infer.h" }) do
    for inc in h.read(f):gmatch("\n#include ([^\n]+)") do
      local file = inc:match("^<(.-)>$")
      assert(file and allowed[file] or inc == '"' .. name .. '_infer.h"', f .. " includes " .. inc)
    end
  end
  local src = h.quote(dir .. "/" .. name .. "_infer.c")
  for _, c in ipairs({ cc .. " -std=c99", "c++ -x c++ -std=c++11" }) do
    local p = io.popen(c .. " -O0 -Wall -Wextra -pedantic -Werror -fsyntax-only " .. src .. " 2>&1")
    local out = p:read("a")
    assert(p:close(), name .. " [" .. c .. "]: " .. out)
  end
  local src_text = h.read(dir .. "/" .. name .. "_infer.c")
  assert.is_nil(src_text:find("malloc", 1, true), name .. " calls malloc")
end

describe("exports", function()
  teardown(h.cleanup)

  for _, name in ipairs(h.seed_specs()) do
    it(name .. " agrees with the binary, and both weight modes are freestanding C99 and C++", function()
      local kind = kind_of(name)
      local ckpt = h.short_checkpoint(name, kind)
      local f32 = export(name, ckpt, "f32")
      check_freestanding(name, f32)
      check_freestanding(name, export(name, ckpt, "int8"))
      local exe = driver(name, kind, f32)
      if kind == "text" or kind == "charword" then
        agree_text(name, exe, ckpt)
      elseif kind == "series" then
        agree_series(name, exe, ckpt, f32)
      else
        agree_sample(name, exe, ckpt)
      end
    end)
  end
end)

describe("an export's bad inputs", function()
  teardown(h.cleanup)
  local exe, ckpt
  setup(function()
    ckpt = h.short_checkpoint("imdb_lstm", "text")
    exe = driver("imdb_lstm", "text", export("imdb_lstm", ckpt, "f32"))
  end)

  it("get a status: ids out of range, no ids, invalid UTF-8, an empty text", function()
    local r = h.run({ exe, "ids" }, "5 10000 7\n-1\n\n1 2 3\n")
    assert.are.equal(0, r.code, r.err)
    assert.are.same({ "status -2", "status -2", "status -4" }, { r.out:match("^([^\n]*)\n([^\n]*)\n([^\n]*)\n") })
    assert.is_truthy(r.out:match("\n[%d.e-]+\t[%d.e-]+\n$"), r.out)
    r = h.run({ exe, "text" }, "caf\xc3\n \t \nok\n\xed\xa0\x80\n")
    assert.are.same({ "status -3", "status -4" }, { r.out:match("^([^\n]*)\n([^\n]*)\n") })
    assert.is_truthy(r.out:match("\nstatus %-3\n$"), r.out)
  end)

  it("of a series: a window of the wrong size, a value that is not finite or overflows", function()
    local sine = h.short_checkpoint("sine_lstm", "series")
    local dir = export("sine_lstm", sine, "f32")
    local window = driver("sine_lstm", "series", dir)
    local T = tonumber(h.read(dir .. "/sine_lstm_infer.h"):match("_INFER_SEQ_LEN (%d+)"))
    local good = {}
    for i = 1, T do good[i] = "0.5" end
    local nan, big = { table.unpack(good) }, { table.unpack(good) }
    nan[3], big[T] = "nan", "1e39"
    local r = h.run({ window, "window" }, "1,2,3\n" .. table.concat(nan, ",") .. "\n" ..
                    table.concat(big, ",") .. "\n" .. table.concat(good, ",") .. "\n")
    assert.are.equal(0, r.code, r.err)
    assert.are.same({ "status -4", "status -5", "status -5" }, { r.out:match("^([^\n]*)\n([^\n]*)\n([^\n]*)\n") })
    assert.is_truthy(r.out:match("\n[-%d.e]+\n$"), r.out)
  end)

  it("of the exporter: another model's or a damaged checkpoint writes nothing", function()
    local other = h.short_checkpoint("imdb_gru", "text")
    local dir = h.tmpdir() .. "/out"
    local r = h.run({ h.model("imdb_lstm"), "export", "--checkpoint", other, "--out", dir })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("^error: "), r.err)
    assert.is_false(h.exists(dir))
    local bad = h.tmpdir() .. "/bad.safetensors"
    local bytes = h.read(ckpt)
    local at = #bytes - 100 -- in the last tensor's data
    h.write(bad, bytes:sub(1, at - 1) .. string.char((bytes:byte(at) + 1) % 256) .. bytes:sub(at + 1))
    r = h.run({ h.model("imdb_lstm"), "export", "--checkpoint", bad, "--out", dir })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("damaged"), r.err)
    assert.is_false(h.exists(dir))
    r = h.run({ h.model("imdb_lstm"), "export", "--checkpoint", ckpt, "--out", dir, "--weights", "int4" })
    assert.are.equal(2, r.code)
  end)
end)
