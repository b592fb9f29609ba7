-- model_spec.lua: the imdb_lstm model binary without training data: its
-- command line, summary, the f64 gradient check, and bad checkpoints.
local h = require("harness")
local bin = h.model("imdb_lstm")

describe("imdb_lstm", function()
  teardown(h.cleanup)

  it("prints help and version", function()
    local r = h.run({ bin, "--help" })
    assert.are.equal(0, r.code)
    for _, cmd in ipairs({ "train", "eval", "predict", "summary", "grads", "gradcheck", "bench",
                           "sample", "export", "export%-onnx", "encode" }) do
      assert.matches("\n  " .. cmd .. " ", r.out)
    end
    for _, opt in ipairs({ "--force", "--resume", "--test-data", "--data" }) do
      assert.matches("\n  " .. opt:gsub("%-", "%%-") .. " ", r.out)
    end
    r = h.run({ bin, "--version" })
    assert.are.equal(0, r.code)
    assert.matches("^imdb_lstm %(seqcc %d+%.%d+%.%d+, spec imdb_lstm%.yaml sha256 %x+%)\n$", r.out)
  end)

  it("prints each command's usage with only its options", function()
    local takes = {
      train = { "--data", "--out", "--resume", "--force", "--epochs", "--max-steps",
                "--checkpoint-every", "--limit", "--threads", "--seed", "--init-weights" },
      eval = { "--data", "--test-data", "--checkpoint", "--split", "--limit", "--threads" },
      predict = { "--checkpoint", "--probs", "--ids", "--threads" },
      grads = { "--data", "--test-data", "--out", "--checkpoint", "--split", "--limit",
                "--threads" },
      gradcheck = { "--samples", "--tolerance", "--seed", "--threads" },
      bench = { "--steps", "--seed", "--threads" },
      sample = { "--checkpoint", "--prime", "--length", "--temperature", "--top-k", "--seed",
                 "--threads", "--probs" },
      ["export-onnx"] = { "--checkpoint", "--out" },
      encode = { "--checkpoint" },
      summary = {},
    }
    local all = h.run({ bin, "--help" }).out
    for cmd, opts in pairs(takes) do
      local r = h.run({ bin, cmd, "--help" })
      assert.are.equal(0, r.code, cmd)
      assert.are.equal("", r.err)
      assert.matches("^usage: imdb_lstm " .. cmd:gsub("%-", "%%-") .. "[ \n]", r.out)
      local listed = {}
      for opt in r.out:gmatch("\n  (%-%-[%w-]+)") do listed[#listed + 1] = opt end
      if cmd ~= "summary" then table.insert(opts, "--help") end
      table.sort(opts)
      table.sort(listed)
      assert.are.same(opts, listed, cmd)
      -- every option the command takes is in the top-level help, described alike
      for line in r.out:gmatch("\n(  %-%-[^\n]+)") do
        if line ~= "  --help" then assert.truthy(all:find(line, 1, true), line) end
      end
    end
    local r = h.run({ bin, "eval", "--checkpoint", "x", "-h" })
    assert.are.equal(0, r.code)
    assert.matches("^usage: imdb_lstm eval ", r.out)
  end)

  it("takes --key=value and --key value alike", function()
    local tiny, dir = h.build .. "/tests/tiny_tsv", h.tmpdir()
    local r = h.run({ tiny, "train", "--epochs=2", "--out=" .. dir .. "/a", "--threads=1" })
    assert.are.equal(0, r.code, r.err)
    local _, lines = h.read(dir .. "/a/metrics.jsonl"):gsub("\n", "")
    assert.are.equal(2, lines)
    r = h.run({ tiny, "train", "--epochs", "3", "--max-steps=1", "--out", dir .. "/b",
                "--threads", "1" })
    assert.are.equal(0, r.code, r.err)
    assert.truthy(h.exists(dir .. "/b/checkpoint.safetensors"))
    -- the same training either way: the same checkpoint bytes
    r = h.run({ tiny, "train", "--epochs=2", "--out", dir .. "/c", "--threads", "1" })
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(h.read(dir .. "/a/checkpoint.safetensors"),
                     h.read(dir .. "/c/checkpoint.safetensors"))
    -- predict's FILE may come before or after the options
    h.write(dir .. "/in.txt", "a fine film\n")
    local ckpt = dir .. "/a/checkpoint.safetensors"
    local first = h.run({ tiny, "predict", dir .. "/in.txt", "--checkpoint=" .. ckpt })
    assert.are.equal(0, first.code, first.err)
    local last = h.run({ tiny, "predict", "--checkpoint", ckpt, dir .. "/in.txt" })
    assert.are.equal(first.out, last.out)
    assert.are.equal(first.out, h.run({ tiny, "predict", "--checkpoint", ckpt }, "a fine film\n").out)
  end)

  it("prints the same summary as seqcc", function()
    local r = h.run({ bin, "summary" })
    assert.are.equal(0, r.code)
    assert.are.equal(h.read(h.source .. "/tests/golden/imdb_lstm.summary"), r.out)
  end)

  it("rejects bad usage with status 2", function()
    local cases = {
      { {}, "usage: " },
      { { "fly" }, "unknown command 'fly'" },
      { { "train", "--epochs" }, "%-%-epochs needs a value" },
      { { "train", "--epochs", "0" }, "%-%-epochs needs an integer from 1" },
      { { "train", "--threads", "two" }, "%-%-threads needs an integer" },
      { { "train", "--bogus" }, "unknown option '%-%-bogus' for train" },
      { { "train", "--resume", "--force" }, "%-%-resume continues the run in %-%-out and %-%-force starts it afresh" },
      { { "eval", "--test-data", "t.csv" }, "%-%-test%-data is for a model of CSV data" },
      { { "eval" }, "eval needs %-%-checkpoint FILE" },
      { { "predict" }, "predict needs %-%-checkpoint FILE" },
      { { "grads", "--checkpoint", "x" }, "grads needs %-%-out FILE" },
      { { "summary", "extra" }, "summary takes no options" },
      { { "summary", "--out", "x" }, "summary takes no options %(see summary %-%-help%)" },
      { { "eval", "--prime", "x" }, "eval does not take %-%-prime %(see eval %-%-help%)" },
      { { "bench", "--limit=3" }, "bench does not take %-%-limit" },
      { { "eval", "--prime" }, "eval does not take %-%-prime" },
      { { "eval", "--probs=1" }, "eval does not take %-%-probs" },
      { { "predict", "--epochs", "2" }, "predict does not take %-%-epochs" },
      { { "train", "--epochs=0" }, "%-%-epochs needs an integer from 1 to 100000, got '0'" },
      { { "train", "--resume=yes" }, "%-%-resume takes no value" },
      { { "train", "extra" }, "unknown option 'extra' for train" },
      { { "predict", "--checkpoint", "c", "a", "b" }, "predict reads one FILE %('a' and 'b'%)" },
    }
    for _, c in ipairs(cases) do
      local args = { bin }
      for _, a in ipairs(c[1]) do args[#args + 1] = a end
      local r = h.run(args)
      assert.are.equal(2, r.code, table.concat(c[1], " "))
      assert.matches(c[2], r.err)
    end
  end)

  it("reports a missing or broken checkpoint with status 1, naming the file", function()
    local dir = h.tmpdir()
    local r = h.run({ bin, "eval", "--checkpoint", dir .. "/none.safetensors" })
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/none.safetensors: cannot open", r.err, 1, true)
    h.write(dir .. "/junk.safetensors", "not a checkpoint at all")
    r = h.run({ bin, "predict", "--checkpoint", dir .. "/junk.safetensors" }, "a fine film\n")
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/junk.safetensors: ", r.err, 1, true)
    -- a valid safetensors file that is not a checkpoint of this model
    local header = '{"__metadata__":{"format":"seqcc-checkpoint/1","model":"other"}}'
    while (#header % 8) ~= 0 do header = header .. " " end
    h.write(dir .. "/other.safetensors", string.pack("<I8", #header) .. header)
    r = h.run({ bin, "eval", "--checkpoint", dir .. "/other.safetensors" })
    assert.are.equal(1, r.code)
    assert.matches('a checkpoint of model "other", not "imdb_lstm"', r.err, 1, true)
  end)

  it("passes the f64 gradient check for every parameter tensor", function()
    -- 4 entries of each (the tiny models' checks, gradcheck/*, sample more)
    local r = h.run({ bin, "gradcheck", "--samples", "4", "--threads", "1" })
    assert.are.equal(0, r.code, r.out .. r.err)
    local tensors = { "embedding/embeddings", "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias",
                      "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias" }
    -- two batches (one with padding rows), every tensor in each, all below 1e-6
    for _, name in ipairs(tensors) do
      local count = 0
      for err in r.out:gmatch("\n  " .. name:gsub("/", "%%/") .. " +max rel error ([%d.e+-]+)") do
        count = count + 1
        assert.is_true(tonumber(err) < 1e-6, name .. ": " .. err)
      end
      assert.are.equal(2, count, name)
    end
    assert.matches("gradcheck passed\n$", r.out)
  end)
end)
