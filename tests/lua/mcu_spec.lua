-- mcu_spec.lua: an exported model (`NAME export`: NAME_infer.h, NAME_infer.c)
-- as firmware for a Cortex-M4: tests/mcu/build.sh cross-compiles
-- tests/mcu/test_main.c, the export and examples/mcu's startup code
-- (arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard
-- -mfpu=fpv4-sp-d16 -Os) for QEMU's mps2-an386 and runs it there, its output
-- over semihosting; what it prints is what the same export and test_main.c
-- compiled with the host's cc print, to 1e-5.
--
-- imdb_lstm, trained for a few steps: its int8 export (ids in) predicts 50
-- test reviews (25 of each class), their ids from the f32 export's own
-- tokenizer (tests/mcu/tokenize.c), on the M4 as on the host; the f32
-- export, on the host, gives `imdb_lstm predict --probs`'s probabilities to
-- 1e-5. tiny_charlm (tests/specs), trained for two epochs: f32 and int8 each
-- generate greedily from a prime the same ids on the M4 as on the host, and
-- the f32 export's text is `tiny_charlm sample --temperature 0`'s. A
-- char-word classifier (tiny_charword) and a series model (tiny_series) run
-- the same on the M4 as on the host. The weights are in flash, the export
-- has no variables of its own and calls nothing but the C library's string
-- and float math functions (no malloc, no stdio, no double arithmetic); the
-- test prints arm-none-eabi-size's figures (flash, and RAM: the workspace
-- and the stack's high-water mark). An export's error status comes back as
-- QEMU's exit status; a fault (a stand-in export's) reports itself and exits
-- with 128 + its exception number; and examples/mcu builds with its
-- toolchain file against an int8 imdb_lstm export and runs. Without
-- arm-none-eabi-gcc, newlib or qemu-system-arm it exits with status 77,
-- which CTest reports as skipped; without the data, the cases that need it
-- are pending.
local h = require("harness")

local build_sh = h.source .. "/tests/mcu/build.sh"
local tokenize_c = h.source .. "/tests/mcu/tokenize.c"
local example = h.source .. "/examples/mcu"
local cc = os.getenv("SEQCC_CC") or "cc"
local warnings = { "-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wdouble-promotion" }

local check = h.run({ "sh", build_sh, "--check" })
if check.code == 77 then
  io.stderr:write("skipped: ", check.err)
  h.cleanup()
  os.exit(77)
end
assert(check.code == 0, check.err)

local imdb, no_imdb = h.imdb()
local hamlet = h.data .. "/hamlet_pg2265.txt"
local imdb_lstm_bin = h.model("imdb_lstm")
local function test_model(name) return h.build .. "/tests/" .. name end

-- A command that must succeed; returns its run.
local function ok(args, stdin)
  local r = h.run(args, stdin)
  assert(r.code == 0, table.concat(args, " ") .. ":\n" .. r.out .. r.err)
  return r
end

-- A checkpoint of BIN trained with ARGS (one thread).
local function train(bin, args)
  local run = h.tmpdir() .. "/run"
  ok({ bin, "train", "--out", run, "--threads", "1", table.unpack(args) })
  return run .. "/checkpoint.safetensors"
end

-- BIN's export of CKPT (with the options that follow) in a folder of its
-- own; returns the folder and the bytes of weights the export reported.
local function export(bin, ckpt, ...)
  local dir = h.tmpdir()
  local r = ok({ bin, "export", "--checkpoint", ckpt, "--out", dir, ... })
  return dir, tonumber((r.out .. r.err):match("weights %((%d+) bytes%)"))
end

-- A #define of the export in DIR (MODEL_infer.h): NAME_INFER_KEY's number.
local function header_value(dir, model, key)
  local text = h.read(dir .. "/" .. model .. "_infer.h")
  return tonumber(text:match("#define " .. model:upper() .. "_INFER_" .. key .. " (%d+)"))
end

-- tests/mcu/tokenize.c with the export in DIR, for the host (DEFS: more
-- words for cc); returns the program.
local function tokenizer(dir, model, defs)
  local exe = h.tmpdir() .. "/tokenize"
  local args = { cc }
  for _, w in ipairs(warnings) do args[#args + 1] = w end
  for _, w in ipairs({ "-O0", "-DSEQCC_MODEL=" .. model, "-DSEQCC_MODEL_UPPER=" .. model:upper(),
                       "-I" .. example, "-I" .. dir }) do
    args[#args + 1] = w
  end
  for _, w in ipairs(defs or {}) do args[#args + 1] = w end
  for _, w in ipairs({ tokenize_c, dir .. "/" .. model .. "_infer.c", "-lm", "-o", exe }) do
    args[#args + 1] = w
  end
  ok(args)
  return exe
end

-- A stand-in export for the harness's own test (the fault handler): DIR/
-- NAME_infer.h with a classifier's API, and a NAME_infer.c whose infer_ids
-- reads unmapped memory.
local function faulty_export(dir, name)
  local upper = name:upper()
  local function fill(s) return (s:gsub("@@", upper):gsub("@", name)) end
  h.write(dir .. "/" .. name .. "_infer.h", fill([==[
/* @_infer.h: a STAND-IN export that faults, for tests/lua/mcu_spec.lua */
#ifndef @@_INFER_H
#define @@_INFER_H
#include <stddef.h>
#include <stdint.h>
#define @@_INFER_WORKSPACE_BYTES 256u
#define @@_INFER_SEQ_LEN 120
#define @@_INFER_VOCAB_SIZE 400
#define @@_INFER_N_PROBS 2
enum { @@_INFER_OK = 0, @@_INFER_ERR_ARGUMENT = -1, @@_INFER_ERR_ID = -2,
       @@_INFER_ERR_LENGTH = -4, @@_INFER_ERR_VALUE = -5 };
int @_infer_ids(const int32_t *ids, size_t n, void *workspace, float *probs);
int @_infer_text(const char *utf8, size_t len, void *workspace, float *probs);
#endif
]==]))
  h.write(dir .. "/" .. name .. "_infer.c", fill([==[
/* @_infer.c: a STAND-IN export that faults, for tests/lua/mcu_spec.lua */
#include "@_infer.h"

int @_infer_ids(const int32_t *ids, size_t n, void *workspace, float *probs)
{
    (void)ids, (void)n, (void)workspace, (void)probs;
    return *(volatile const int *)0x30000000u; /* no device there: a BusFault */
}

int @_infer_text(const char *utf8, size_t len, void *workspace, float *probs)
{
    (void)utf8;
    return @_infer_ids(0, len, workspace, probs);
}
]==]))
end

-- A C initializer of the lists ROWS, each padded to WIDTH with 0, the
-- values written by FORMAT (default "%d").
local function rows_of(rows, width, format)
  local lines = {}
  for k, row in ipairs(rows) do
    local v = {}
    for i = 1, width do v[i] = string.format(format or "%d", row[i] or 0) end
    lines[k] = "    { " .. table.concat(v, ", ") .. " }"
  end
  return "{\n" .. table.concat(lines, ",\n") .. "\n}"
end

-- A classifier's cases.h at PATH: CASES (lists of ids) padded to LEN; with
-- WORD_CHARS (lists of WORD_LEN char ids a word), a char-word model's.
local function classifier_cases(path, cases, len, word_chars, word_len)
  local lens = {}
  for k, ids in ipairs(cases) do lens[k] = tostring(#ids) end
  local text = string.format("static const int32_t case_ids[%d][%d] = %s;\n" ..
                             "static const int32_t case_len[%d] = { %s };\n",
                             #cases, len, rows_of(cases, len), #cases, table.concat(lens, ", "))
  if word_chars then
    text = text .. string.format("static const int32_t case_word_chars[%d][%d] = %s;\n",
                                 #cases, len * word_len, rows_of(word_chars, len * word_len))
  end
  h.write(path, text)
end

-- A series model's cases.h at PATH: WINDOWS (lists of values), WIDTH wide.
local function series_cases(path, windows, width)
  local lens = {}
  for k, values in ipairs(windows) do lens[k] = tostring(#values) end
  h.write(path, string.format("static const float case_values[%d][%d] = %s;\n" ..
                              "static const int32_t case_len[%d] = { %s };\n",
                              #windows, width, rows_of(windows, width, "%.4ff"), #windows,
                              table.concat(lens, ", ")))
end

-- A char-lm's cases.h at PATH: the PRIME (ids) and GENERATE steps.
local function char_lm_cases(path, prime, generate)
  h.write(path, string.format("static const int32_t case_chars[] = { %s };\n" ..
                              "#define CASE_GENERATE %d\n", table.concat(prime, ", "), generate))
end

-- build.sh's output: the values of case K (cases[K + 1], a list of numbers,
-- or { error = STATUS }), the generated ids, the `workspace`,
-- `state` and `stack` figures, the size figures by file name (text, data,
-- bss) and the export's undefined symbols.
local function parse(out)
  local t = { cases = {}, sizes = {}, undefined = {} }
  for line in out:gmatch("[^\n]+") do
    local k, rest = line:match("^case (%d+): (.*)$")
    if k then
      local err = rest:match("^error (%-?%d+)$")
      local values = { error = err and tonumber(err) }
      if not err then
        for x in rest:gmatch("%S+") do values[#values + 1] = tonumber(x) or x end
      end
      t.cases[tonumber(k) + 1] = values
    end
    local ids = line:match("^generate:(.*)$")
    if ids then
      t.generate = {}
      for x in ids:gmatch("%S+") do t.generate[#t.generate + 1] = tonumber(x) end
    end
    local key, n = line:match("^(%a+) (%d+)$")
    if key then t[key] = tonumber(n) end
    local text, data, bss, file = line:match("^%s*(%d+)%s+(%d+)%s+(%d+)%s+%d+%s+%x+%s+(%S+)$")
    if text then
      t.sizes[file:match("[^/]+$")] = { text = tonumber(text), data = tonumber(data),
                                        bss = tonumber(bss) }
    end
    local undefined = line:match("^undefined:(.*)$")
    if undefined then
      for s in undefined:gmatch("%S+") do t.undefined[#t.undefined + 1] = s end
    end
  end
  return t
end

-- The firmware of EXPORT (a folder) and CASES (a cases.h) for MODEL, built
-- and run in QEMU; and the same on the host. Each returns the run (code,
-- out, err) and what it printed (parse).
local function on_mcu(export, cases, model)
  local r = h.run({ "sh", build_sh, export, cases, model, h.tmpdir() })
  return r, parse(r.out)
end
local function on_host(export, cases, model)
  local r = h.run({ "env", "CC=" .. cc, "sh", build_sh, "--host", export, cases, model, h.tmpdir() })
  return r, parse(r.out)
end

-- Every case the same on the MCU as on the host: a value to within
-- TOLERANCE (1e-5 by default; a function of the host's value, or a number).
-- Returns the largest difference.
local function same_values(mcu, host, tolerance)
  tolerance = tolerance or 1e-5
  local function allowed(w)
    return (type(tolerance) == "function" and tolerance(w) or tolerance) * 1.0001
  end
  assert.is_true(#host.cases > 0, "the host printed no cases")
  assert.are.equal(#host.cases, #mcu.cases, "cases")
  local worst = 0
  for k, want in ipairs(host.cases) do
    local got = mcu.cases[k]
    assert.are.equal(want.error, got.error, "case " .. (k - 1) .. "'s status")
    assert.are.equal(#want, #got, "case " .. (k - 1) .. "'s values")
    for i, w in ipairs(want) do
      assert.is_number(got[i], "case " .. (k - 1) .. ": " .. tostring(got[i]))
      worst = math.max(worst, math.abs(got[i] - w))
      assert.is_true(math.abs(got[i] - w) <= allowed(w),
                     string.format("case %d, value %d: %.6f on the MCU, %.6f on the host",
                                   k - 1, i - 1, got[i], w))
    end
  end
  return worst
end

-- SYMBOLS (an export's undefined symbols) are string and float math
-- functions only: no allocation, no I/O, no double arithmetic (libgcc's
-- __aeabi_d* and __aeabi_f2d, or libm's double functions).
local string_functions = { memcpy = true, memmove = true, memset = true, memcmp = true,
                           strlen = true, strcmp = true, strncmp = true }
local double_math = { erf = true, modf = true } -- ending in f all the same
local function freestanding(symbols)
  for _, s in ipairs(symbols) do
    local float_math = s:match("^%l[%l%d]*f$") and not double_math[s]
                       and not s:find("printf") and not s:find("scanf")
    local helper = s:match("^__aeabi_mem") or s:match("^__aeabi_u?ldivmod$")
    assert.is_true(string_functions[s] or float_math or helper ~= nil,
                   "the export calls " .. s)
  end
end

-- The figures of every model run on the M4, for the table at the end.
local figures = {}

-- Records and prints MODEL's figures on the M4 (MCU: what build.sh printed)
-- as LABEL's, with a NOTE.
local function report(label, model, mcu, note)
  local export, firmware = mcu.sizes[model .. "_infer.o"], mcu.sizes["firmware.elf"]
  local row = { model = label, export = export.text + export.data,
                ram_kind = mcu.state and "state" or "workspace",
                ram = mcu.state or mcu.workspace, stack = mcu.stack,
                firmware_flash = firmware.text + firmware.data,
                firmware_ram = firmware.data + firmware.bss }
  figures[#figures + 1] = row
  print(string.format("\n%s on the M4: export %d bytes of flash (data + bss %d), firmware %d " ..
                      "of flash, %d of RAM; %s %d bytes, stack %d bytes%s", label, row.export,
                      export.data + export.bss, row.firmware_flash, row.firmware_ram,
                      row.ram_kind, row.ram, row.stack, note and ("; " .. note) or ""))
end

local function print_figures()
  if #figures == 0 then return end
  print("\nCortex-M4 (-Os), arm-none-eabi-size; RAM: the firmware's data + bss, the 64 KB stack included")
  print(string.format("%-28s %12s %12s %12s %8s %14s %12s", "model", "export text", "workspace",
                      "state", "stack", "firmware flash", "firmware RAM"))
  for _, r in ipairs(figures) do
    print(string.format("%-28s %12d %12s %12s %8d %14d %12d", r.model, r.export,
                        r.ram_kind == "workspace" and tostring(r.ram) or "-",
                        r.ram_kind == "state" and tostring(r.ram) or "-", r.stack,
                        r.firmware_flash, r.firmware_ram))
  end
end

-- The export's object: its weights (WEIGHT_BYTES) and code are text, in
-- flash; it has no variables.
local function in_flash(mcu, model, weight_bytes, out)
  local export = mcu.sizes[model .. "_infer.o"]
  assert.is_not_nil(export, out)
  if weight_bytes then
    assert.is_true(export.text >= weight_bytes, "text " .. export.text .. " < " .. weight_bytes)
  end
  assert.are.equal(0, export.data, "the export's data")
  assert.are.equal(0, export.bss, "the export's bss")
  assert.is_true(mcu.stack > 0 and mcu.stack < 65536, "stack " .. tostring(mcu.stack))
end

-- imdb_lstm trained for 30 steps on 300 reviews of each class: the
-- checkpoint, the int8 export without its tokenizer (ids in) and the f32
-- export with it. Made once, for the cases that need it.
local imdb_lstm_run
local function imdb_lstm()
  if not imdb_lstm_run then
    local t = {}
    t.ckpt = train(imdb_lstm_bin, { "--data", imdb, "--limit", "300", "--max-steps", "30" })
    t.int8, t.int8_bytes = export(imdb_lstm_bin, t.ckpt, "--weights", "int8", "--no-tokenizer")
    t.f32 = export(imdb_lstm_bin, t.ckpt)
    imdb_lstm_run = t
  end
  return imdb_lstm_run
end

-- The first N test reviews of each class (by file name), pos then neg, each
-- on one line.
local function test_reviews(n)
  local lines = {}
  for _, class in ipairs({ "pos", "neg" }) do
    local dir = imdb .. "/test/" .. class
    local names = h.ls(dir)
    assert(#names >= n, dir .. " holds " .. #names .. " reviews")
    for i = 1, n do
      lines[#lines + 1] = (h.read(dir .. "/" .. names[i]):gsub("[\r\n]", " "))
    end
  end
  return lines
end

-- `predict --probs`'s lines: each { label = LABEL, names = { NAME ... },
-- P ... } (the probabilities in the order printed).
local function predictions(out)
  local t = {}
  for line in out:gmatch("[^\n]+") do
    local fields = {}
    for f in line:gmatch("[^\t]+") do fields[#fields + 1] = f end
    local p = { label = fields[2], names = {} }
    for i = 3, #fields do
      local name, v = fields[i]:match("^(.-)=(%S+)$")
      p.names[#p.names + 1] = name
      p[#p + 1] = tonumber(v)
    end
    t[#t + 1] = p
  end
  return t
end

local function argmax(v)
  local best = 1
  for i = 2, #v do if v[i] > v[best] then best = i end end
  return best
end

describe("an export on a Cortex-M4 in QEMU", function()
  teardown(function()
    print_figures()
    h.cleanup()
  end)

  it("classifies 50 test reviews with imdb_lstm's int8 export as the host does", function()
    if not imdb then return pending(no_imdb) end
    local m = imdb_lstm()
    local reviews = test_reviews(25)
    local text = table.concat(reviews, "\n") .. "\n"
    -- the ids, from the f32 export's own tokenizer
    local tok = ok({ tokenizer(m.f32, "imdb_lstm") }, text)
    local seq_len = header_value(m.f32, "imdb_lstm", "SEQ_LEN")
    local cases = {}
    for line in tok.out:gmatch("[^\n]*\n") do
      assert.is_nil(line:match("^status"), "the tokenizer refused review " .. #cases .. ": " .. line)
      local ids = {}
      for x in line:gmatch("%d+") do ids[#ids + 1] = tonumber(x) end
      assert.is_true(#ids > 0 and #ids <= seq_len, "review " .. #cases .. ": " .. #ids .. " ids")
      cases[#cases + 1] = ids
    end
    assert.are.equal(50, #cases)
    local dir = h.tmpdir()
    classifier_cases(dir .. "/cases.h", cases, seq_len)

    -- int8: the M4 as the host
    local r, mcu = on_mcu(m.int8, dir .. "/cases.h", "imdb_lstm")
    assert.are.equal(0, r.code, r.out .. r.err)
    local hr, host = on_host(m.int8, dir .. "/cases.h", "imdb_lstm")
    assert.are.equal(0, hr.code, hr.out .. hr.err)
    assert.are.equal(50, #mcu.cases)
    local int8_worst = same_values(mcu, host)
    for _, p in ipairs(mcu.cases) do
      assert.are.equal(2, #p)
      assert.is_true(math.abs(p[1] + p[2] - 1) <= 2e-6, "p0 + p1 = " .. (p[1] + p[2]))
    end
    in_flash(mcu, "imdb_lstm", m.int8_bytes, r.out)
    freestanding(mcu.undefined)
    local workspace = header_value(m.int8, "imdb_lstm", "WORKSPACE_BYTES")
    assert.are.equal(workspace, mcu.workspace)
    assert.are.equal(workspace, host.workspace)

    -- f32 on the host, with the same ids: the binary's probabilities
    local want = predictions(ok({ imdb_lstm_bin, "predict", "--checkpoint", m.ckpt, "--probs" },
                                text).out)
    assert.are.equal(50, #want)
    local fr, f32 = on_host(m.f32, dir .. "/cases.h", "imdb_lstm")
    assert.are.equal(0, fr.code, fr.out .. fr.err)
    assert.are.equal(50, #f32.cases)
    local f32_worst, int8_f32, shared = 0, 0, 0
    for k, p in ipairs(want) do
      assert.are.equal(#p, #f32.cases[k], "review " .. (k - 1))
      for c = 1, #p do
        local d = math.abs(f32.cases[k][c] - p[c])
        f32_worst = math.max(f32_worst, d)
        assert.is_true(d <= 1e-5, string.format("review %d, class %s: %.6f (the f32 export), " ..
                                                "%.6f (predict)", k - 1, p.names[c],
                                                f32.cases[k][c], p[c]))
        int8_f32 = math.max(int8_f32, math.abs(mcu.cases[k][c] - p[c]))
      end
      if p.names[argmax(mcu.cases[k])] == p.label then shared = shared + 1 end
    end
    report("imdb_lstm (int8, ids in)", "imdb_lstm", mcu,
           string.format("%d bytes of int8 weights and their scales", m.int8_bytes))
    print(string.format("imdb_lstm: the M4's int8 probabilities within %.1e of the host's; the f32 " ..
                        "export's within %.1e of predict's; int8 within %.1e of predict; %d of the " ..
                        "50 labels the M4's (int8) and predict's alike", int8_worst, f32_worst,
                        int8_f32, shared))
  end)

  it("generates greedily with tiny_charlm (f32, int8) as the host does, and as sample does", function()
    if not h.exists(hamlet) then return pending(hamlet .. " is missing: run scripts/fetch-data.sh") end
    local bin = test_model("tiny_charlm")
    local ckpt = train(bin, { "--data", hamlet, "--epochs", "2" })
    local f32, f32_bytes = export(bin, ckpt)
    local int8, int8_bytes = export(bin, ckpt, "--weights", "int8")
    local prime, generate = "To be, or not to be", 60
    -- the prime's ids and every id's character, from the export
    local tok = ok({ tokenizer(f32, "tiny_charlm", { "-DSEQCC_CHAR_LM" }) }, prime).out
    local ids, chars = {}, {}
    for x in tok:match("ids:([^\n]*)"):gmatch("%d+") do ids[#ids + 1] = tonumber(x) end
    for id, cp in tok:gmatch("char (%d+) (%d+)") do chars[tonumber(id)] = tonumber(cp) end
    assert.are.equal(utf8.len(prime), #ids)
    local dir = h.tmpdir()
    char_lm_cases(dir .. "/cases.h", ids, generate)
    local n_probs = header_value(f32, "tiny_charlm", "N_PROBS")
    local runs = {}
    for _, e in ipairs({ { "f32", f32, f32_bytes }, { "int8", int8, int8_bytes } }) do
      local weights, edir, bytes = e[1], e[2], e[3]
      local r, mcu = on_mcu(edir, dir .. "/cases.h", "tiny_charlm")
      assert.are.equal(0, r.code, r.out .. r.err)
      local hr, host = on_host(edir, dir .. "/cases.h", "tiny_charlm")
      assert.are.equal(0, hr.code, hr.out .. hr.err)
      local worst = same_values(mcu, host)
      assert.are.equal(n_probs, #mcu.cases[1])
      assert.are.equal(generate, #mcu.generate)
      assert.are.same(host.generate, mcu.generate, weights .. ": the ids generated")
      assert.are.equal(mcu.state, host.state)
      in_flash(mcu, "tiny_charlm", bytes, r.out)
      freestanding(mcu.undefined)
      local name = "tiny_charlm (" .. weights .. ")"
      report(name, "tiny_charlm", mcu,
             string.format("%d bytes of weights; the distribution after the prime within %.1e " ..
                           "of the host's", bytes, worst))
      runs[weights] = host
    end
    -- the f32 export's greedy text: sample's, at temperature 0
    local text = { prime }
    for _, id in ipairs(runs.f32.generate) do
      if chars[id] and chars[id] ~= 0 then text[#text + 1] = utf8.char(chars[id]) end
    end
    local got = table.concat(text) .. "\n"
    local want = ok({ bin, "sample", "--checkpoint", ckpt, "--prime", prime, "--length",
                      tostring(generate), "--temperature", "0" }).out
    assert.are.equal(want, got)
    local same = 0
    for i, id in ipairs(runs.f32.generate) do
      if runs.int8.generate[i] == id then same = same + 1 end
    end
    print(string.format("tiny_charlm: %q, sample's text and the f32 export's; int8's ids the same " ..
                        "for %d of the %d", got:sub(1, -2), same, generate))
  end)

  it("classifies a char-word model's cases as the host does", function()
    if not imdb then return pending(no_imdb) end
    local bin = test_model("tiny_charword")
    local ckpt = train(bin, { "--data", imdb, "--limit", "40", "--max-steps", "3" })
    local dir, bytes = export(bin, ckpt, "--weights", "int8", "--no-tokenizer")
    local model = "tiny_charword"
    local seq_len, word_len = header_value(dir, model, "SEQ_LEN"), header_value(dir, model, "WORD_LEN")
    local vocab, n_chars = header_value(dir, model, "VOCAB_SIZE"), header_value(dir, model, "N_CHAR_IDS")
    local cases, word_chars = {}, {}
    for k, n in ipairs({ 1, 3, seq_len }) do
      cases[k], word_chars[k] = {}, {}
      for i = 1, n do
        cases[k][i] = (k * 7 + i * 3) % vocab
        for j = 1, word_len do
          word_chars[k][#word_chars[k] + 1] = (k * 5 + i * 3 + j) % n_chars
        end
      end
    end
    classifier_cases(dir .. "/cases.h", cases, seq_len, word_chars, word_len)
    local r, mcu = on_mcu(dir, dir .. "/cases.h", model)
    assert.are.equal(0, r.code, r.out .. r.err)
    local hr, host = on_host(dir, dir .. "/cases.h", model)
    assert.are.equal(0, hr.code, hr.out .. hr.err)
    same_values(mcu, host)
    assert.are.equal(header_value(dir, model, "N_PROBS"), #mcu.cases[1])
    in_flash(mcu, model, bytes, r.out)
    freestanding(mcu.undefined)
    report(model .. " (int8)", model, mcu)
  end)

  it("forecasts a series model's windows as the host does, in the data's units", function()
    local bin = test_model("tiny_series")
    local ckpt = train(bin, { "--max-steps", "3" })
    local dir, bytes = export(bin, ckpt, "--weights", "int8")
    local model = "tiny_series"
    local width = header_value(dir, model, "SEQ_LEN") * header_value(dir, model, "N_FEATURES")
    local windows = { {}, {} }
    for i = 1, width do
      windows[1][i] = math.sin(i * 2 * math.pi / 20)
      windows[2][i] = 0.5 - 0.125 * i
    end
    series_cases(dir .. "/cases.h", windows, width)
    local r, mcu = on_mcu(dir, dir .. "/cases.h", model)
    assert.are.equal(0, r.code, r.out .. r.err)
    local hr, host = on_host(dir, dir .. "/cases.h", model)
    assert.are.equal(0, hr.code, hr.out .. hr.err)
    same_values(mcu, host, function(w) return 1e-5 + 1e-6 * math.abs(w) end)
    assert.are.equal(1, #mcu.cases[1])
    in_flash(mcu, model, bytes, r.out)
    freestanding(mcu.undefined)
    report(model .. " (int8)", model, mcu)
  end)

  it("returns the export's error status as QEMU's exit status", function()
    if not imdb then return pending(no_imdb) end
    local m = imdb_lstm()
    local dir = h.tmpdir()
    local vocab = header_value(m.int8, "imdb_lstm", "VOCAB_SIZE")
    classifier_cases(dir .. "/cases.h", { { 1, 2 }, { 3, vocab } }, 120) -- VOCAB_SIZE: no such word
    local r, mcu = on_mcu(m.int8, dir .. "/cases.h", "imdb_lstm")
    assert.are.equal(1, r.code, r.out .. r.err) -- test_main's status
    assert.is_nil(mcu.cases[1].error)
    assert.are.equal(-2, mcu.cases[2].error, r.out) -- IMDB_LSTM_INFER_ERR_ID
    local _, host = on_host(m.int8, dir .. "/cases.h", "imdb_lstm")
    same_values(mcu, host)
  end)

  it("reports a fault, its exception and pc, and exits with 128 + its number", function()
    local dir = h.tmpdir()
    faulty_export(dir, "faulty")
    classifier_cases(dir .. "/cases.h", { { 1 } }, 120)
    local r = on_mcu(dir, dir .. "/cases.h", "faulty")
    assert.are.equal(128 + 5, r.code, r.out .. r.err) -- a BusFault, exception 5
    assert.matches("fault: BusFault (exception 5) at pc 0x", r.err, 1, true)
  end)

  it("builds examples/mcu with its toolchain file against imdb_lstm's int8 export, and it runs", function()
    if not imdb then return pending(no_imdb) end
    local m = imdb_lstm()
    local dir = export(imdb_lstm_bin, m.ckpt, "--weights", "int8") -- with its tokenizer
    local r = h.run({ "cmake", "-S", example, "-B", dir .. "/build",
                      "-DCMAKE_TOOLCHAIN_FILE=" .. example .. "/arm-none-eabi.cmake",
                      "-DSEQCC_EXPORT_DIR=" .. dir, "-DSEQCC_MODEL=imdb_lstm" })
    assert.are.equal(0, r.code, r.out .. r.err)
    r = h.run({ "cmake", "--build", dir .. "/build" })
    assert.are.equal(0, r.code, r.out .. r.err)
    local size = r.out:match("\n(%s*text%s+data%s+bss[^\n]*\n[^\n]*)")
    r = h.run({ "sh", example .. "/run.sh", dir .. "/build/firmware.elf" })
    assert.are.equal(0, r.code, r.out .. r.err)
    local n = 0
    for p0, p1 in r.out:gmatch("review %d+: (%S+) (%S+)") do
      n = n + 1
      assert.is_true(math.abs(tonumber(p0) + tonumber(p1) - 1) <= 2e-6, r.out)
    end
    assert.are.equal(3, n, r.out)
    local workspace = header_value(dir, "imdb_lstm", "WORKSPACE_BYTES")
    assert.matches("workspace " .. workspace .. " bytes", r.out, 1, true)
    assert.matches("\nstack %d+ bytes for inference\n", r.out)
    print("\nexamples/mcu with imdb_lstm's int8 export (its tokenizer in):\n" .. (size or "?") ..
          "\n" .. r.out)
  end)

  it("compiles imdb_lstm's exports (f32, int8) for a RISC-V core too", function()
    if not imdb then return pending(no_imdb) end
    local rv = h.run({ "sh", "-c", "command -v riscv64-unknown-elf-gcc" })
    if rv.code ~= 0 then return pending("riscv64-unknown-elf-gcc is missing (gcc-riscv64-unknown-elf)") end
    local m = imdb_lstm()
    for _, dir in ipairs({ m.f32, m.int8 }) do
      local r = h.run({ "riscv64-unknown-elf-gcc", "--specs=picolibc.specs", "-march=rv32imafc",
                        "-mabi=ilp32f", "-Os", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror",
                        "-c", dir .. "/imdb_lstm_infer.c", "-o", dir .. "/rv32.o" })
      assert.are.equal(0, r.code, r.out .. r.err)
    end
  end)
end)
