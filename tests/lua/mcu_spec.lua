-- mcu_spec.lua: an exported model (NAME_infer.h, NAME_infer.c) as firmware
-- for a Cortex-M4: tests/mcu/build.sh cross-compiles tests/mcu/test_main.c,
-- the export and examples/mcu's startup code for QEMU's mps2-an386 and runs
-- it there; what it prints is what the same export and test_main.c compiled
-- with the host's cc print, to 1e-5 (a forecast: 1e-5 and 1e-6 of it), for
-- a classifier, a char-word classifier, a series model and a char-lm (whose
-- greedy generation gives the same ids). The weights are in flash, the
-- export has no variables of its own and calls nothing but the C library's
-- string and float math functions (no malloc, no stdio, no double
-- arithmetic). An export's error status comes back as QEMU's exit status; a
-- fault reports itself and exits with 128 + its exception number; and
-- examples/mcu builds with its toolchain file and runs. Without
-- arm-none-eabi-gcc, newlib or qemu-system-arm it exits with status 77,
-- which CTest reports as skipped.
local h = require("harness")

local build_sh = h.source .. "/tests/mcu/build.sh"
local example = h.source .. "/examples/mcu"
local cc = os.getenv("SEQCC_CC") or "cc"

local check = h.run({ "sh", build_sh, "--check" })
if check.code == 77 then
  io.stderr:write("skipped: ", check.err)
  os.exit(77)
end
assert(check.code == 0, check.err)

-- STAND-IN, until `MODEL export` exists: writes DIR/NAME_infer.h and
-- DIR/NAME_infer.c with the export's API (as compiler/export.c declares it)
-- and a few lines of float math. KIND: "classifier" (an embedding table of
-- 400 x 64 floats, 100 KB of const weights, averaged, tanh, a dense layer to
-- 2 probabilities), "char-word" (3 classes from word and character ids),
-- "series" (a forecast from a window of 8 x 2 values), "char-lm" (a 16-unit
-- recurrence over 32 characters, softmax) or "fault" (the classifier's
-- header, and an infer_ids that reads unmapped memory). The real test
-- exports a model here instead (the "fault" one stays).
local function stand_in_export(dir, name, kind)
  local function table_of(rows, cols, f)
    local lines = {}
    for i = 0, rows - 1 do
      local row = {}
      for k = 0, cols - 1 do row[#row + 1] = string.format("%.2ff", f(i, k)) end
      lines[#lines + 1] = "    { " .. table.concat(row, ", ") .. " }"
    end
    return "{\n" .. table.concat(lines, ",\n") .. "\n}"
  end
  local statuses = [==[
enum { @@_INFER_OK = 0, @@_INFER_ERR_ARGUMENT = -1, @@_INFER_ERR_ID = -2,
       @@_INFER_ERR_LENGTH = -4, @@_INFER_ERR_VALUE = -5 };
]==]
  local classifier_h = [==[
#define @@_INFER_WORKSPACE_BYTES 256u
#define @@_INFER_SEQ_LEN 120
#define @@_INFER_VOCAB_SIZE 400
#define @@_INFER_N_PROBS 2
STATUSES
int @_infer_ids(const int32_t *ids, size_t n, void *workspace, float *probs);
int @_infer_text(const char *utf8, size_t len, void *workspace, float *probs);
]==]
  local header, source
  if kind == "classifier" then
    header = classifier_h
    source = ([==[
#define DIM 64
static const float embed[@@_INFER_VOCAB_SIZE][DIM] = EMBED;
static const float out_w[1][DIM] = OUT;

int @_infer_ids(const int32_t *ids, size_t n, void *workspace, float *probs)
{
    float *h = workspace;
    if (n == 0)
        return @@_INFER_ERR_LENGTH;
    if (n > @@_INFER_SEQ_LEN)
        n = @@_INFER_SEQ_LEN;
    for (int k = 0; k < DIM; k++)
        h[k] = 0.0f;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= @@_INFER_VOCAB_SIZE)
            return @@_INFER_ERR_ID;
        for (int k = 0; k < DIM; k++)
            h[k] += embed[ids[i]][k];
    }
    float logit = 0.0f;
    for (int k = 0; k < DIM; k++)
        logit += tanhf(h[k] / (float)n) * out_w[0][k];
    float p = 1.0f / (1.0f + expf(-logit));
    probs[0] = 1.0f - p;
    probs[1] = p;
    return @@_INFER_OK;
}

int @_infer_text(const char *utf8, size_t len, void *workspace, float *probs)
{
    int32_t ids[@@_INFER_SEQ_LEN];
    size_t n = 0;
    for (size_t i = 0; i < len && n < @@_INFER_SEQ_LEN; i++)
        ids[n++] = (int32_t)((unsigned char)utf8[i] % @@_INFER_VOCAB_SIZE);
    return @_infer_ids(ids, n, workspace, probs);
}
]==]):gsub("EMBED", table_of(400, 64, function(i, k) return ((i * 31 + k * 17) % 201 - 100) / 100 end))
       :gsub("OUT", table_of(1, 64, function(_, k) return ((k * 13) % 21 - 10) / 10 end))
  elseif kind == "char-word" then
    header = [==[
#define @@_INFER_WORKSPACE_BYTES 64u
#define @@_INFER_SEQ_LEN 10
#define @@_INFER_VOCAB_SIZE 50
#define @@_INFER_N_PROBS 3
#define @@_INFER_WORD_LEN 4
#define @@_INFER_N_CHAR_IDS 20
STATUSES
int @_infer_ids_chars(const int32_t *ids, const int32_t *chars, size_t n,
                       void *workspace, float *probs);
]==]
    source = ([==[
static const float word_w[@@_INFER_VOCAB_SIZE][3] = WORDS;
static const float char_w[@@_INFER_N_CHAR_IDS][3] = CHARS;

int @_infer_ids_chars(const int32_t *ids, const int32_t *chars, size_t n,
                       void *workspace, float *probs)
{
    float *z = workspace, sum = 0.0f;
    if (n == 0 || n > @@_INFER_SEQ_LEN)
        return @@_INFER_ERR_LENGTH;
    for (int c = 0; c < 3; c++)
        z[c] = 0.0f;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= @@_INFER_VOCAB_SIZE)
            return @@_INFER_ERR_ID;
        for (int j = 0; j < @@_INFER_WORD_LEN; j++) {
            int32_t ch = chars[i * @@_INFER_WORD_LEN + j];
            if (ch < 0 || ch >= @@_INFER_N_CHAR_IDS)
                return @@_INFER_ERR_ID;
            for (int c = 0; c < 3; c++)
                z[c] += tanhf(word_w[ids[i]][c] + char_w[ch][c]);
        }
    }
    for (int c = 0; c < 3; c++)
        sum += probs[c] = expf(z[c] / (float)n);
    for (int c = 0; c < 3; c++)
        probs[c] /= sum;
    return @@_INFER_OK;
}
]==]):gsub("WORDS", table_of(50, 3, function(i, c) return ((i * 7 + c * 11) % 17 - 8) / 4 end))
       :gsub("CHARS", table_of(20, 3, function(i, c) return ((i * 5 + c * 3) % 13 - 6) / 4 end))
  elseif kind == "series" then
    header = [==[
#define @@_INFER_WORKSPACE_BYTES 64u
#define @@_INFER_SEQ_LEN 8
#define @@_INFER_N_FEATURES 2
STATUSES
int @_infer_window(const float *values, size_t n, void *workspace, float *out);
]==]
    source = ([==[
static const float w[1][@@_INFER_SEQ_LEN * @@_INFER_N_FEATURES] = WEIGHTS;

int @_infer_window(const float *values, size_t n, void *workspace, float *out)
{
    float *h = workspace, y = 0.0f;
    if (n != @@_INFER_SEQ_LEN * @@_INFER_N_FEATURES)
        return @@_INFER_ERR_LENGTH;
    for (size_t i = 0; i < n; i++) {
        h[i] = tanhf((values[i] - 150.0f) / 40.0f);
        y += w[0][i] * h[i];
    }
    *out = 150.0f + 40.0f * y;
    return @@_INFER_OK;
}
]==]):gsub("WEIGHTS", table_of(1, 16, function(_, i) return ((i * 5) % 9 - 4) / 16 end))
  elseif kind == "fault" then
    header = classifier_h
    source = [==[
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
]==]
  else
    header = [==[
#define @@_INFER_STATE_FLOATS 16
#define @@_INFER_N_PROBS 32
#define @@_INFER_N_IDS 32
STATUSES
typedef struct @_infer_state {
    float a[@@_INFER_STATE_FLOATS];
    int32_t in[2];
} @_infer_state;
void @_infer_reset(@_infer_state *state);
int @_infer_step(@_infer_state *state, int32_t char_id, float *probs);
]==]
    source = ([==[
#define H @@_INFER_STATE_FLOATS
static const float w_in[@@_INFER_N_IDS][H] = W_IN;
static const float w_out[@@_INFER_N_PROBS][H] = W_OUT;

void @_infer_reset(@_infer_state *s)
{
    for (int k = 0; k < H; k++)
        s->a[k] = 0.0f;
}

int @_infer_step(@_infer_state *s, int32_t char_id, float *probs)
{
    if (char_id < 0 || char_id >= @@_INFER_N_IDS)
        return @@_INFER_ERR_ID;
    for (int k = 0; k < H; k++)
        s->a[k] = tanhf(0.5f * s->a[k] + w_in[char_id][k]);
    float max = -INFINITY, sum = 0.0f;
    for (int j = 0; j < @@_INFER_N_PROBS; j++) {
        float z = 0.0f;
        for (int k = 0; k < H; k++)
            z += w_out[j][k] * s->a[k];
        probs[j] = z;
        max = z > max ? z : max;
    }
    for (int j = 0; j < @@_INFER_N_PROBS; j++) {
        probs[j] = expf(probs[j] - max);
        sum += probs[j];
    }
    for (int j = 0; j < @@_INFER_N_PROBS; j++)
        probs[j] /= sum;
    return @@_INFER_OK;
}
]==]):gsub("W_IN", table_of(32, 16, function(i, k) return ((i * 7 + k * 5) % 23 - 11) / 5 end))
       :gsub("W_OUT", table_of(32, 16, function(i, k) return ((i * 11 + k * 3) % 19 - 9) / 4 end))
  end
  local function fill(s)
    return (s:gsub("STATUSES\n", statuses):gsub("@@", name:upper()):gsub("@", name))
  end
  h.write(dir .. "/" .. name .. "_infer.h",
          fill("/* @_infer.h: a STAND-IN for seqcc's export (" .. kind .. ") */\n" ..
               "#ifndef @@_INFER_H\n#define @@_INFER_H\n#include <stddef.h>\n#include <stdint.h>\n" ..
               header .. "#endif\n"))
  h.write(dir .. "/" .. name .. "_infer.c",
          fill("/* @_infer.c: a STAND-IN for seqcc's export (" .. kind .. ") */\n" ..
               "#include <math.h>\n#include \"@_infer.h\"\n\n" .. source))
end
-- The stand-in classifier's weights: its embedding and its dense layer.
local stand_in_weight_bytes = (400 * 64 + 64) * 4

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
local function same_values(mcu, host, tolerance)
  tolerance = tolerance or 1e-5
  local function allowed(w)
    return (type(tolerance) == "function" and tolerance(w) or tolerance) * 1.0001
  end
  assert.is_true(#host.cases > 0, "the host printed no cases")
  assert.are.equal(#host.cases, #mcu.cases, "cases")
  for k, want in ipairs(host.cases) do
    local got = mcu.cases[k]
    assert.are.equal(want.error, got.error, "case " .. (k - 1) .. "'s status")
    assert.are.equal(#want, #got, "case " .. (k - 1) .. "'s values")
    for i, w in ipairs(want) do
      assert.is_number(got[i], "case " .. (k - 1) .. ": " .. tostring(got[i]))
      assert.is_true(math.abs(got[i] - w) <= allowed(w),
                     string.format("case %d, value %d: %.6f on the MCU, %.6f on the host",
                                   k - 1, i - 1, got[i], w))
    end
  end
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

-- Prints MODEL's figures on the MCU (what build.sh printed: MCU).
local function report(model, mcu)
  local export, firmware = mcu.sizes[model .. "_infer.o"], mcu.sizes["firmware.elf"]
  print(string.format("\n%s (stand-in) on the M4: export %d bytes of flash, firmware %d; " ..
                      "%s %d bytes, stack %d", model, export.text + export.data,
                      firmware.text + firmware.data, mcu.state and "state" or "workspace",
                      mcu.state or mcu.workspace, mcu.stack))
end

describe("an export on a Cortex-M4 in QEMU", function()
  teardown(h.cleanup)

  it("classifies every case as the host does, its weights in flash", function()
    local dir = h.tmpdir()
    stand_in_export(dir, "imdb_lstm", "classifier")
    classifier_cases(dir .. "/cases.h", { { 1, 2, 3, 4, 5, 399 }, { 10, 20, 30 }, { 7 } }, 120)
    local r, mcu = on_mcu(dir, dir .. "/cases.h", "imdb_lstm")
    assert.are.equal(0, r.code, r.out .. r.err)
    local hr, host = on_host(dir, dir .. "/cases.h", "imdb_lstm")
    assert.are.equal(0, hr.code, hr.out .. hr.err)
    same_values(mcu, host)
    for _, p in ipairs(mcu.cases) do
      assert.is_true(math.abs(p[1] + p[2] - 1) <= 2e-6, "p0 + p1 = " .. (p[1] + p[2]))
    end
    -- the export's weights are text (flash); it has no variables
    local export = mcu.sizes["imdb_lstm_infer.o"]
    assert.is_not_nil(export, r.out)
    assert.is_true(export.text >= stand_in_weight_bytes, "text " .. export.text)
    assert.are.equal(0, export.data, "the export's data")
    assert.are.equal(0, export.bss, "the export's bss")
    freestanding(mcu.undefined)
    assert.are.equal(256, mcu.workspace)
    assert.are.equal(256, host.workspace)
    assert.is_true(mcu.stack > 0 and mcu.stack < 65536, "stack " .. tostring(mcu.stack))
    report("imdb_lstm", mcu)
  end)

  it("steps a char-lm through its prime and generates greedily as the host does", function()
    local dir = h.tmpdir()
    stand_in_export(dir, "tiny_charlm", "char-lm")
    char_lm_cases(dir .. "/cases.h", { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5 }, 40)
    local r, mcu = on_mcu(dir, dir .. "/cases.h", "tiny_charlm")
    assert.are.equal(0, r.code, r.out .. r.err)
    local hr, host = on_host(dir, dir .. "/cases.h", "tiny_charlm")
    assert.are.equal(0, hr.code, hr.out .. hr.err)
    same_values(mcu, host)
    assert.are.equal(32, #mcu.cases[1])
    assert.are.equal(40, #mcu.generate)
    assert.are.same(host.generate, mcu.generate)
    assert.are.equal(72, mcu.state) -- sizeof (the stand-in's) tiny_charlm_infer_state
    local export = mcu.sizes["tiny_charlm_infer.o"]
    assert.are.equal(0, export.data + export.bss, "the export's variables")
    freestanding(mcu.undefined)
    assert.is_true(mcu.stack > 0 and mcu.stack < 65536, "stack " .. tostring(mcu.stack))
    report("tiny_charlm", mcu)
  end)

  it("classifies a char-word model's cases as the host does", function()
    local dir = h.tmpdir()
    stand_in_export(dir, "tiny_charword", "char-word")
    classifier_cases(dir .. "/cases.h", { { 1, 2, 3 }, { 49, 0, 7, 7, 7, 7, 7, 7, 7, 7 } }, 10,
                     { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, { 19, 19 } }, 4)
    local r, mcu = on_mcu(dir, dir .. "/cases.h", "tiny_charword")
    assert.are.equal(0, r.code, r.out .. r.err)
    local hr, host = on_host(dir, dir .. "/cases.h", "tiny_charword")
    assert.are.equal(0, hr.code, hr.out .. hr.err)
    same_values(mcu, host)
    assert.are.equal(3, #mcu.cases[1])
    freestanding(mcu.undefined)
    report("tiny_charword", mcu)
  end)

  it("forecasts a series model's windows as the host does, in the data's units", function()
    local dir = h.tmpdir()
    stand_in_export(dir, "tiny_series", "series")
    local windows = { {}, {} }
    for i = 1, 16 do
      windows[1][i] = 150 + 30 * math.sin(i / 3)
      windows[2][i] = 100 + 7.25 * i
    end
    series_cases(dir .. "/cases.h", windows, 16)
    local r, mcu = on_mcu(dir, dir .. "/cases.h", "tiny_series")
    assert.are.equal(0, r.code, r.out .. r.err)
    local hr, host = on_host(dir, dir .. "/cases.h", "tiny_series")
    assert.are.equal(0, hr.code, hr.out .. hr.err)
    -- a float holds 7 significant digits of a price: 1e-6 of it, and 1e-5
    same_values(mcu, host, function(w) return 1e-5 + 1e-6 * math.abs(w) end)
    assert.are.equal(1, #mcu.cases[1])
    freestanding(mcu.undefined)
    report("tiny_series", mcu)
  end)

  it("returns the export's error status as QEMU's exit status", function()
    local dir = h.tmpdir()
    stand_in_export(dir, "imdb_lstm", "classifier")
    classifier_cases(dir .. "/cases.h", { { 1, 2 }, { 3, 400 } }, 120) -- 400: no such word
    local r, mcu = on_mcu(dir, dir .. "/cases.h", "imdb_lstm")
    assert.are.equal(1, r.code, r.out .. r.err) -- test_main's status
    assert.is_nil(mcu.cases[1].error)
    assert.is_true(mcu.cases[2].error < 0, r.out)
    local _, host = on_host(dir, dir .. "/cases.h", "imdb_lstm")
    same_values(mcu, host)
  end)

  it("reports a fault, its exception and pc, and exits with 128 + its number", function()
    local dir = h.tmpdir()
    stand_in_export(dir, "faulty", "fault")
    classifier_cases(dir .. "/cases.h", { { 1 } }, 120)
    local r = on_mcu(dir, dir .. "/cases.h", "faulty")
    assert.are.equal(128 + 5, r.code, r.out .. r.err) -- a BusFault, exception 5
    assert.matches("fault: BusFault (exception 5) at pc 0x", r.err, 1, true)
  end)

  it("builds examples/mcu with its toolchain file, and it classifies its reviews", function()
    local dir = h.tmpdir()
    stand_in_export(dir, "imdb_lstm", "classifier")
    local r = h.run({ "cmake", "-S", example, "-B", dir .. "/build",
                      "-DCMAKE_TOOLCHAIN_FILE=" .. example .. "/arm-none-eabi.cmake",
                      "-DSEQCC_EXPORT_DIR=" .. dir, "-DSEQCC_MODEL=imdb_lstm" })
    assert.are.equal(0, r.code, r.out .. r.err)
    r = h.run({ "cmake", "--build", dir .. "/build" })
    assert.are.equal(0, r.code, r.out .. r.err)
    r = h.run({ "sh", example .. "/run.sh", dir .. "/build/firmware.elf" })
    assert.are.equal(0, r.code, r.out .. r.err)
    local n = 0
    for p0, p1 in r.out:gmatch("review %d+: (%S+) (%S+)") do
      n = n + 1
      assert.is_true(math.abs(tonumber(p0) + tonumber(p1) - 1) <= 2e-6, r.out)
    end
    assert.are.equal(3, n, r.out)
    assert.matches("workspace 256 bytes", r.out, 1, true)
    assert.matches("\nstack %d+ bytes for inference\n", r.out)
  end)
end)
