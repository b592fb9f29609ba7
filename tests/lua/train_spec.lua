-- train_spec.lua: the imdb_lstm binary on real IMDB reviews: training that
-- learns, determinism, bit-identical resume after a stop or a kill, eval
-- over every example, predict against eval, grads, and bad data; and a
-- char-word model's two inputs through the same commands. CTest runs each
-- case as a test of its own (lua/train/CASE, see seq_lua_cases); a group
-- without its data is one pending "skipped: WHY", which skips its cases.
local h = require("harness")
local json = require("dkjson")
local bin = h.model("imdb_lstm")
local imdb, why = h.imdb()

-- Small runs: --limit N keeps N reviews per class of each split.
local function train(out, ...)
  local args = { bin, "train", "--data", imdb, "--out", out, "--threads", "1" }
  for _, a in ipairs({ ... }) do args[#args + 1] = a end
  return h.run(args)
end

local function metrics(dir)
  local lines = {}
  for line in (h.read(dir .. "/metrics.jsonl") or ""):gmatch("[^\n]+") do
    lines[#lines + 1] = assert(json.decode(line))
  end
  return lines
end

-- The tensors and metadata of a safetensors file.
local function safetensors(path)
  local bytes = assert(h.read(path), path)
  local n = string.unpack("<I8", bytes)
  local header = assert(json.decode(bytes:sub(9, 8 + n)))
  return header, bytes:sub(9 + n)
end

local function scalar(header, data, name)
  local t = header[name]
  local fmt = ({ F32 = "<f", F64 = "<d", I32 = "<i4" })[t.dtype]
  return string.unpack(fmt, data, t.data_offsets[1] + 1)
end

-- MODEL's predict, one review at a time, gives the probabilities and labels
-- that its eval over the same reviews scores; and it names a bad line.
local function predict_agrees_with_eval(model, ckpt)
  local dir = h.tmpdir()
  local reviews = {
    { "pos", "One of the best films I have seen this year. Wonderful acting, a moving story." },
    { "neg", "Awful. The plot made no sense and the acting was wooden; a waste of two hours." },
    { "pos", "I loved it<br /><br />and I will watch it again!" },
    { "neg", "boring boring boring. terrible script, worst movie ever" },
    { "neg", "" .. ("dull "):rep(300) },
    { "pos", "Zorblaxian flimflam: utterly gobsmacking, a caf\xc3\xa9 of d\xc3\xa9lights" },
  }
  os.execute("mkdir -p " .. h.quote(dir .. "/test/pos") .. " " .. h.quote(dir .. "/test/neg"))
  local lines = {}
  for i, rv in ipairs(reviews) do
    h.write(("%s/test/%s/%d_%d.txt"):format(dir, rv[1], i, rv[1] == "pos" and 9 or 2), rv[2])
  end
  -- eval reads neg then pos, each by id
  local order = {}
  for i, rv in ipairs(reviews) do if rv[1] == "neg" then order[#order + 1] = i end end
  for i, rv in ipairs(reviews) do if rv[1] == "pos" then order[#order + 1] = i end end
  for _, i in ipairs(order) do lines[#lines + 1] = reviews[i][2] end
  local r = h.run({ model, "predict", "--checkpoint", ckpt }, table.concat(lines, "\n") .. "\n")
  assert.are.equal(0, r.code, r.err)
  local loss, correct, k = 0, 0, 0
  for p, label in r.out:gmatch("([%d.]+)\t(%a+)\n") do
    k = k + 1
    p = tonumber(p)
    assert.is_true(p >= 0 and p <= 1)
    assert.are.equal(p >= 0.5 and "pos" or "neg", label)
    local want = reviews[order[k]][1]
    correct = correct + (label == want and 1 or 0)
    loss = loss - math.log(want == "pos" and p or 1 - p)
  end
  assert.are.equal(#reviews, k)
  r = h.run({ model, "eval", "--data", dir, "--checkpoint", ckpt })
  assert.are.equal(0, r.code, r.err)
  local n, eloss, eacc = r.out:match("^test: (%d+) examples, loss ([%d.]+), accuracy ([%d.]+)")
  assert.are.equal(#reviews, tonumber(n))
  assert.are.equal(("%.4f"):format(correct / #reviews), eacc)
  assert.is_true(math.abs(loss / #reviews - tonumber(eloss)) < 1e-3, loss / #reviews .. " vs " .. eloss)
  -- predict names a line that is not UTF-8
  r = h.run({ model, "predict", "--checkpoint", ckpt }, "fine\nbad \xff byte\n")
  assert.are.equal(1, r.code)
  assert.matches("<stdin>:2: invalid UTF-8", r.err, 1, true)
end

describe("training imdb_lstm on IMDB", function()
  teardown(h.cleanup)
  if not imdb then
    pending("skipped: " .. why)
    return
  end

  local base -- a 2-epoch run the other tests compare against
  lazy_setup(function()
    base = h.tmpdir()
    local r = train(base, "--limit", "500", "--epochs", "2")
    assert(r.code == 0, r.out .. r.err)
  end)

  it("learns: the loss falls and validation accuracy rises above chance", function()
    local dir = h.tmpdir()
    local r = train(dir, "--limit", "1250", "--epochs", "2")
    assert.are.equal(0, r.code, r.err)
    assert.matches("2250 training and 250 validation examples", r.out, 1, true)
    local m = metrics(dir)
    assert.are.equal(2, #m)
    assert.are.equal("epoch", m[1].event)
    assert.is_true(m[1].loss < 0.7, "epoch 1 loss " .. m[1].loss)
    assert.is_true(m[2].loss < m[1].loss - 0.05, ("loss %g then %g"):format(m[1].loss, m[2].loss))
    assert.is_true(m[2].val_accuracy > 0.7, "val accuracy " .. m[2].val_accuracy)
    for _, f in ipairs({ "checkpoint.safetensors", "best.safetensors", "metrics.jsonl", "curve.svg" }) do
      assert.is_true(h.exists(dir .. "/" .. f), f)
    end
    local svg = h.read(dir .. "/curve.svg")
    assert.matches("^<svg", svg)
    assert.matches("</svg>\n?$", svg)
    -- off a terminal, progress is plain lines, and every epoch ends with a summary
    assert.matches("epoch 1/2 step %d+/71 loss", r.out)
    assert.matches("epoch 2/2 validation: loss [%d.]+ accuracy [%d.]+ %(250 examples%)", r.out)

    r = h.run({ bin, "eval", "--data", imdb, "--checkpoint", dir .. "/best.safetensors", "--limit", "500" })
    assert.are.equal(0, r.code, r.err)
    local n, acc = r.out:match("^test: (%d+) examples, loss [%d.]+, accuracy ([%d.]+)")
    assert.are.equal("1000", n)
    assert.is_true(tonumber(acc) > 0.7, r.out)
  end)

  it("gives the same bits for the same seed, whatever the thread count", function()
    local again = h.tmpdir()
    assert.are.equal(0, train(again, "--limit", "500", "--epochs", "2").code)
    assert.are.equal(h.read(base .. "/checkpoint.safetensors"), h.read(again .. "/checkpoint.safetensors"))
    for _, threads in ipairs({ "2", "3" }) do
      local dir = h.tmpdir()
      local r = h.run({ bin, "train", "--data", imdb, "--out", dir, "--threads", threads,
                        "--limit", "500", "--epochs", "2" })
      assert.are.equal(0, r.code, r.err)
      assert.are.equal(h.read(base .. "/checkpoint.safetensors"), h.read(dir .. "/checkpoint.safetensors"),
                       threads .. " threads")
    end
    -- another seed is another run
    local c = h.tmpdir()
    assert.are.equal(0, train(c, "--limit", "500", "--epochs", "2", "--seed", "7").code)
    assert.are_not.equal(h.read(base .. "/checkpoint.safetensors"), h.read(c .. "/checkpoint.safetensors"))
  end)

  it("resumes a stopped run bit-identically", function()
    local dir = h.tmpdir()
    -- 900 training reviews: 29 steps an epoch; stop inside epoch 2
    local r = train(dir, "--limit", "500", "--epochs", "2", "--max-steps", "37")
    assert.are.equal(0, r.code, r.err)
    assert.matches("stopped after step 37", r.out, 1, true)
    r = train(dir, "--limit", "500", "--epochs", "2", "--resume")
    assert.are.equal(0, r.code, r.err)
    assert.matches("resuming [^\n]* at epoch 2, step 37", r.out)
    assert.are.equal(h.read(base .. "/checkpoint.safetensors"), h.read(dir .. "/checkpoint.safetensors"))
    local m, want = metrics(dir), metrics(base)
    assert.are.equal(2, #m)
    for i = 1, 2 do
      for _, k in ipairs({ "loss", "accuracy", "val_loss", "val_accuracy", "step" }) do
        assert.are.equal(want[i][k], m[i][k], k)
      end
    end
  end)

  it("resumes a killed run bit-identically", function()
    local dir = h.tmpdir()
    local cmd = table.concat({ h.quote(bin), "train", "--data", h.quote(imdb), "--out", h.quote(dir),
                               "--threads", "1", "--limit", "500", "--epochs", "2",
                               "--checkpoint-every", "1" }, " ")
    local p = io.popen(cmd .. " > /dev/null 2>&1 & echo $!")
    local pid = p:read("l")
    p:close()
    -- wait for a checkpoint from the middle of the run, then SIGKILL
    local step
    for _ = 1, 600 do
      os.execute("sleep 0.01")
      local hdr = h.exists(dir .. "/checkpoint.safetensors") and safetensors(dir .. "/checkpoint.safetensors")
      step = hdr and tonumber(hdr.__metadata__.step)
      if step and step >= 10 then break end
    end
    os.execute("kill -9 " .. pid .. " 2>/dev/null")
    os.execute("sleep 0.2")
    local hdr = safetensors(dir .. "/checkpoint.safetensors")
    local killed_at = tonumber(hdr.__metadata__.step)
    assert.is_true(killed_at >= 10 and killed_at < 58, "killed at step " .. tostring(killed_at))
    -- no temporary file is left beside the checkpoint but the one a kill interrupted
    local r = train(dir, "--limit", "500", "--epochs", "2", "--resume")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(h.read(base .. "/checkpoint.safetensors"), h.read(dir .. "/checkpoint.safetensors"))
  end)

  it("evaluates every example, the last partial batch too", function()
    for _, limit in ipairs({ "16", "300" }) do
      local r = h.run({ bin, "eval", "--data", imdb, "--checkpoint", base .. "/checkpoint.safetensors",
                        "--limit", limit, "--split", "test" })
      assert.are.equal(0, r.code, r.err)
      assert.matches("^test: " .. (2 * tonumber(limit)) .. " examples, ", r.out)
    end
    local r = h.run({ bin, "eval", "--data", imdb, "--checkpoint", base .. "/checkpoint.safetensors",
                      "--limit", "500", "--split", "val" })
    assert.are.equal(0, r.code, r.err)
    assert.matches("^val: 100 examples, ", r.out)
  end)

  it("predicts one review at a time as eval does in batches", function()
    predict_agrees_with_eval(bin, base .. "/checkpoint.safetensors")
  end)

  it("writes the loss, every gradient and the batch for another framework", function()
    local out = h.tmpdir() .. "/grads.safetensors"
    local r = h.run({ bin, "grads", "--data", imdb, "--checkpoint", base .. "/checkpoint.safetensors",
                      "--split", "test", "--limit", "500", "--out", out })
    assert.are.equal(0, r.code, r.err)
    local hdr, data = safetensors(out)
    assert.are.same({ 32, 120 }, hdr["batch/ids"].shape)
    assert.are.equal("I32", hdr["batch/ids"].dtype)
    assert.are.same({ 32 }, hdr["batch/targets"].shape)
    assert.are.equal(32, scalar(hdr, data, "batch/n_valid"))
    local loss = scalar(hdr, data, "loss")
    assert.is_true(loss > 0 and loss < 5, "loss " .. loss)
    local ckpt = safetensors(base .. "/checkpoint.safetensors")
    local n = 0
    for name, t in pairs(ckpt) do
      if name ~= "__metadata__" and not name:match("^optimizer/") and not name:match("^tokenizer/")
         and not name:match("^data/") then
        n = n + 1
        assert.are.same(t.shape, hdr["grad/" .. name].shape, name)
      end
    end
    assert.are.equal(8, n)
    -- the independent check, where PyTorch is installed (CI does not need it)
    if os.execute("/usr/bin/python3 -c 'import torch' 2>/dev/null") then
      r = h.run({ "/usr/bin/python3", h.source .. "/scripts/torch_parity.py",
                  base .. "/checkpoint.safetensors", out, "--spec", h.source .. "/specs/imdb_lstm.yaml" })
      assert.are.equal(0, r.code, r.out .. r.err)
    end
  end)

  it("names the file and line of bad data, and writes nothing", function()
    local dir = h.tmpdir()
    os.execute("mkdir -p " .. h.quote(dir .. "/train/pos") .. " " .. h.quote(dir .. "/train/neg"))
    h.write(dir .. "/train/pos/1_9.txt", "a good film")
    h.write(dir .. "/train/neg/2_1.txt", "a bad\nfilm \xc3\x28 here")
    local out = h.tmpdir() .. "/run"
    local r = h.run({ bin, "train", "--data", dir, "--out", out })
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/train/neg/2_1.txt:2: invalid UTF-8", r.err, 1, true)
    assert.is_false(h.exists(out))
    h.write(dir .. "/train/neg/2_1.txt", "")
    r = h.run({ bin, "train", "--data", dir, "--out", out })
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/train/neg/2_1.txt: empty review", r.err, 1, true)
    r = h.run({ bin, "train", "--data", dir .. "/missing", "--out", out })
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/missing: ", r.err, 1, true)
    assert.matches("expected the aclImdb layout", r.err, 1, true)
    assert.is_false(h.exists(out))
  end)
end)

-- The int32 tensor NAME of a safetensors file, as a flat list.
local function ints(header, data, name)
  local t, list = header[name], {}
  assert.are.equal("I32", t.dtype, name)
  for at = t.data_offsets[1], t.data_offsets[2] - 4, 4 do
    list[#list + 1] = string.unpack("<i4", data, at + 1)
  end
  return list
end

describe("a char-word model (tiny_charword) on IMDB", function()
  teardown(h.cleanup)
  if not imdb then
    pending("skipped: " .. why)
    return
  end
  local model = h.build .. "/tests/tiny_charword"
  local function train_cw(out, ...)
    local args = { model, "train", "--data", imdb, "--out", out, "--threads", "2",
                   "--limit", "200", "--epochs", "2" }
    for _, a in ipairs({ ... }) do args[#args + 1] = a end
    return h.run(args)
  end
  local base
  lazy_setup(function()
    base = h.tmpdir()
    local r = train_cw(base)
    assert(r.code == 0, r.out .. r.err)
  end)

  it("keeps its characters in the checkpoint and resumes bit-identically", function()
    local hdr, data = safetensors(base .. "/checkpoint.safetensors")
    local chars = ints(hdr, data, "tokenizer/chars")
    assert.are.equal(10, #chars) -- char_vocab_size 12: padding, unknown and the top 10
    assert.are.equal(string.byte("e"), chars[1])
    assert.is_truthy(hdr["tokenizer/vocab"])
    local dir = h.tmpdir()
    local r = train_cw(dir, "--max-steps", "17")
    assert.are.equal(0, r.code, r.err)
    r = train_cw(dir, "--resume")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(h.read(base .. "/checkpoint.safetensors"), h.read(dir .. "/checkpoint.safetensors"))
  end)

  it("predicts one review at a time as eval does in batches, words and characters", function()
    predict_agrees_with_eval(model, base .. "/checkpoint.safetensors")
  end)

  it("writes the batch's char ids, spelling the words the vocabulary lacks", function()
    local out = h.tmpdir() .. "/grads.safetensors"
    local r = h.run({ model, "grads", "--data", imdb, "--checkpoint", base .. "/checkpoint.safetensors",
                      "--split", "test", "--limit", "100", "--out", out })
    assert.are.equal(0, r.code, r.err)
    local hdr, data = safetensors(out)
    assert.are.same({ 32, 5, 6 }, hdr["batch/chars"].shape)
    local ids, chars = ints(hdr, data, "batch/ids"), ints(hdr, data, "batch/chars")
    local oov = 0
    for i, id in ipairs(ids) do
      local first = chars[(i - 1) * 6 + 1]
      if id == 0 then
        for k = 1, 6 do assert.are.equal(0, chars[(i - 1) * 6 + k], "padding is spelled 0") end
      else
        assert.is_true(first >= 1 and first < 12, "a word's first character: " .. first)
      end
      oov = oov + (id == 1 and 1 or 0)
    end
    assert.is_true(oov > 10, "only " .. oov .. " out-of-vocabulary words in the batch")
  end)
end)
