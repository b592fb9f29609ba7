-- api_spec.lua: the C API (seqcc.h) against the model binaries, and predict
-- as a filter. The tiny test models train for a few steps with their
-- binaries; tests/api/test_api.c (linked with the same models, public headers
-- only) must then answer as the binaries' predict does, digit for digit.
local h = require("harness")
local imdb, why = h.imdb()
local api = h.build .. "/tests/test_api"

local function bin(model) return h.build .. "/tests/" .. model end

-- Labels spelled as a CSV may spell them: UTF-8, a comma and quotes, and
-- one longer than 64 bytes.
local labels = {
  "n\xc3\xa9gatif",
  "positive: a label longer than sixty-four bytes, spelled as the CSV spells it",
  'so-so, "meh"',
}
local words = {
  { "awful", "bad", "worst", "boring", "dull" },
  { "great", "good", "best", "lovely", "fun" },
  { "okay", "fine", "average", "plain", "so" },
}

local function csv_quote(s) return '"' .. s:gsub('"', '""') .. '"' end

local function write_csv(path)
  local rows = { "text,airline_sentiment" }
  for i = 1, 60 do
    local c = (i % 3) + 1
    local w = words[c]
    local text = ("%s %s flight %s"):format(w[i % 5 + 1], w[(i + 2) % 5 + 1], w[(i + 3) % 5 + 1])
    rows[#rows + 1] = csv_quote(text) .. "," .. csv_quote(labels[c])
  end
  h.write(path, table.concat(rows, "\n") .. "\n")
end

local reviews = {
  "One of the best films I have seen this year. Wonderful acting, a moving story.",
  "Awful. The plot made no sense and the acting was wooden; a waste of two hours.",
  "I loved it<br /><br />and I will watch it again!",
  "boring boring boring. terrible script, worst movie ever",
  ("dull "):rep(300),
  "Zorblaxian flimflam: utterly gobsmacking, a caf\xc3\xa9 of d\xc3\xa9lights",
  "great good fun flight",
  "awful, bad; worst flight",
}

local function windows()
  local lines = {}
  for k = 0, 5 do
    local v = {}
    for t = 0, 4 do v[#v + 1] = ("%.6f"):format(math.sin(2 * math.pi * (k + t) / 20)) end
    lines[#lines + 1] = table.concat(v, k % 2 == 0 and " " or ", ")
  end
  return lines
end

local function predict(args, lines)
  return h.run(args, table.concat(lines, "\n") .. "\n")
end

describe("the C API", function()
  teardown(h.cleanup)
  if not imdb then
    pending(why)
    return
  end

  local ckpt = {} -- model -> a checkpoint after a few training steps
  local csv
  setup(function()
    local dir = h.tmpdir()
    csv = dir .. "/labels.csv"
    write_csv(csv)
    local data = { tiny_masked = imdb, tiny_charword = imdb, tiny_classes = csv }
    for _, model in ipairs({ "tiny_masked", "tiny_charword", "tiny_classes", "tiny_series" }) do
      local args = { bin(model), "train", "--out", dir .. "/" .. model, "--threads", "1",
                     "--max-steps", "30" }
      if data[model] then
        args[#args + 1] = "--data"
        args[#args + 1] = data[model]
      end
      if data[model] == imdb then
        args[#args + 1] = "--limit"
        args[#args + 1] = "100"
      end
      local r = h.run(args)
      assert(r.code == 0, model .. ": " .. r.out .. r.err)
      ckpt[model] = dir .. "/" .. model .. "/checkpoint.safetensors"
    end
  end)

  it("predicts what the binaries predict, digit for digit, one text or many", function()
    local cases = {
      { "tiny_masked", reviews }, { "tiny_charword", reviews }, { "tiny_classes", reviews },
      { "tiny_series", windows() },
    }
    for _, c in ipairs(cases) do
      local model, lines = c[1], c[2]
      local want = predict({ bin(model), "predict", "--checkpoint", ckpt[model] }, lines)
      assert.are.equal(0, want.code, want.err)
      local got = predict({ api, "predict", model, ckpt[model] }, lines)
      assert.are.equal(0, got.code, got.err)
      assert.are.equal(#lines, select(2, want.out:gsub("\n", "")))
      assert.are.equal(want.out, got.out, model)
    end
    local want = predict({ bin("tiny_classes"), "predict", "--checkpoint", ckpt.tiny_classes,
                           "--probs" }, reviews)
    local got = predict({ api, "predict", "tiny_classes", ckpt.tiny_classes, "--probs" }, reviews)
    assert.are.equal(0, want.code, want.err)
    assert.are.equal(want.out, got.out)
  end)

  it("returns error codes: NULL, foreign and wrong-model handles, kinds, inputs, files", function()
    local r = h.run({ api, "errors", ckpt.tiny_masked, ckpt.tiny_classes, ckpt.tiny_series,
                      ckpt.tiny_charword })
    assert.are.equal(0, r.code, r.out .. r.err)
    assert.are.equal("errors: ok\n", r.out)
  end)

  it("gives the same bits in four threads with their own handles as in one", function()
    local r = predict({ api, "threads", ckpt.tiny_masked, ckpt.tiny_classes }, reviews)
    assert.are.equal(0, r.code, r.out .. r.err)
    assert.matches("the same bits as one thread", r.out, 1, true)
  end)

  it("is usable from C++", function()
    if os.execute("command -v c++ > /dev/null") ~= true then
      pending("no C++ compiler")
      return
    end
    local dir = h.tmpdir()
    h.write(dir .. "/use.cpp", [[
#include "tiny_classes.h"
#include "tiny_series.h"
int main(int argc, char **argv)
{
    seqcc_model *m = nullptr;
    seqcc_error err;
    seqcc_prediction p;
    if (tiny_classes_open(argc > 1 ? argv[1] : "x", &m, &err) != SEQCC_OK)
        return 1;
    int s = tiny_classes_predict_text(m, "fine", 4, &p, &err);
    double v[TINY_SERIES_SEQ_LEN] = {0};
    s = s ? s : tiny_series_predict_window(m, v, TINY_SERIES_SEQ_LEN, &p, &err);
    tiny_classes_close(m);
    return s == SEQCC_ERR_ARGUMENT ? 0 : 1;
}
]])
    local r = h.run({ "c++", "-std=c++11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only",
                      "-I", h.source .. "/runtime", "-I", h.build .. "/gen/tiny_classes",
                      "-I", h.build .. "/gen/tiny_series", dir .. "/use.cpp" })
    assert.are.equal(0, r.code, r.err)
  end)
end)

-- Drives BIN predict --checkpoint CKPT [EXTRA] through pipes one line at a
-- time: each line is written only after the previous answer arrived (10 s at
-- most). Returns the run: out holds the answers, code 9 if one never came.
local function drive(bin_path, ckpt_path, lines, extra)
  local script = [[
bin=$1 ckpt=$2 extra=$3; shift 3
coproc P { exec "$bin" predict --checkpoint "$ckpt" $extra 2>&1; }
pid=$P_PID in=${P[1]} out=${P[0]}
for line in "$@"; do
  printf '%s\n' "$line" >&"$in"
  if ! IFS= read -r -t 10 answer <&"$out"; then
    echo "no answer within 10 s to: $line" >&2
    kill "$pid"
    exit 9
  fi
  printf '%s\n' "$answer"
done
exec {in}>&-
wait "$pid"
]]
  local args = { "bash", "-c", script, "bash", bin_path, ckpt_path, extra or "" }
  for _, l in ipairs(lines) do args[#args + 1] = l end
  return h.run(args)
end

describe("predict as a filter", function()
  teardown(h.cleanup)
  if not imdb then
    pending(why)
    return
  end

  local masked, series, classes
  setup(function()
    local dir = h.tmpdir()
    local csv = dir .. "/labels.csv"
    write_csv(csv)
    for _, m in ipairs({ { "tiny_masked", imdb, "--limit", "100" }, { "tiny_series" },
                         { "tiny_classes", csv } }) do
      local args = { bin(m[1]), "train", "--out", dir .. "/" .. m[1], "--threads", "1", "--max-steps", "10" }
      if m[2] then
        args[#args + 1] = "--data"
        args[#args + 1] = m[2]
      end
      if m[3] then
        args[#args + 1] = m[3]
        args[#args + 1] = m[4]
      end
      local r = h.run(args)
      assert(r.code == 0, m[1] .. ": " .. r.out .. r.err)
    end
    masked = dir .. "/tiny_masked/checkpoint.safetensors"
    series = dir .. "/tiny_series/checkpoint.safetensors"
    classes = dir .. "/tiny_classes/checkpoint.safetensors"
  end)

  it("answers each line as it arrives, on a pipe", function()
    local lines = { "a fine film", "a dull film", "I loved it<br />" }
    local r = drive(bin("tiny_masked"), masked, lines)
    assert.are.equal(0, r.code, r.err)
    local want = predict({ bin("tiny_masked"), "predict", "--checkpoint", masked }, lines)
    assert.are.equal(want.out, r.out)
    lines = windows()
    r = drive(bin("tiny_series"), series, lines)
    assert.are.equal(0, r.code, r.err)
    want = predict({ bin("tiny_series"), "predict", "--checkpoint", series }, lines)
    assert.are.equal(want.out, r.out)
    lines = { "good flight", "so so flight" }
    r = drive(bin("tiny_classes"), classes, lines, "--probs")
    assert.are.equal(0, r.code, r.err)
    want = predict({ bin("tiny_classes"), "predict", "--checkpoint", classes, "--probs" }, lines)
    assert.are.equal(want.out, r.out)
  end)

  it("stops at an empty line with an error naming it, after answering the lines before", function()
    for _, empty in ipairs({ "", "  \t ", "\r" }) do
      local r = h.run({ bin("tiny_masked"), "predict", "--checkpoint", masked },
                      "a fine film\nanother\n" .. empty .. "\nnever answered\n")
      assert.are.equal(1, r.code)
      assert.are.equal(2, select(2, r.out:gsub("\n", "")), r.out)
      assert.are.equal("error: <stdin>:3: empty line (each line is one text)\n", r.err)
    end
    local r = h.run({ bin("tiny_series"), "predict", "--checkpoint", series }, "\n")
    assert.are.equal(1, r.code)
    assert.are.equal("", r.out)
    assert.are.equal("error: <stdin>:1: empty line (each line is one window of values)\n", r.err)
    -- on a pipe too: the answer before the empty line arrives, then the error
    -- (drive merges stderr into the answers) and the exit status
    r = drive(bin("tiny_masked"), masked, { "a fine film", "" })
    assert.are.equal(1, r.code)
    assert.matches("^[%d.]+\t%a+\nerror: <stdin>:2: empty line", r.out)
  end)

  it("prints every class's probability with --probs, labels as the data spells them", function()
    local r = h.run({ bin("tiny_classes"), "predict", "--checkpoint", classes, "--probs" },
                    "good flight\nawful flight\nokay\n")
    assert.are.equal(0, r.code, r.err)
    local n = 0
    for line in r.out:gmatch("([^\n]*)\n") do
      n = n + 1
      local fields = {}
      for f in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = f end
      assert.are.equal(5, #fields, line)
      local p, label = tonumber(fields[1]), fields[2]
      local sum, best = 0, nil
      for c = 1, 3 do
        local name, q = fields[2 + c]:match("^(.*)=([%d.]+)$")
        assert.are.equal(labels[c], name) -- in class order: the labels' byte order
        q = tonumber(q)
        sum = sum + q
        if name == label then best = q end
      end
      assert.are.equal(p, best)
      assert.is_true(math.abs(sum - 1) < 1e-5, line)
      local known = false
      for _, l in ipairs(labels) do known = known or l == label end
      assert.is_true(known, label)
    end
    assert.are.equal(3, n)
    -- two classes from one output: neg=1-p, pos=p
    r = h.run({ bin("tiny_masked"), "predict", "--checkpoint", masked, "--probs" }, "a fine film\n")
    assert.are.equal(0, r.code, r.err)
    local p, label, neg, pos = r.out:match("^([%d.]+)\t(%a+)\tneg=([%d.]+)\tpos=([%d.]+)\n$")
    assert.is_not_nil(p, r.out)
    assert.are.equal(p, pos)
    assert.is_true(math.abs(tonumber(neg) + tonumber(pos) - 1) < 2e-6)
    r = h.run({ bin("tiny_series"), "predict", "--checkpoint", series, "--probs" }, "1 2 3 4 5\n")
    assert.are.equal(2, r.code)
    assert.matches("--probs is for classifiers", r.err, 1, true)
  end)
end)
