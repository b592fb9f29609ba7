-- data_spec.lua: the user's own data (tests/specs/tiny_tsv.yaml): a
-- header-less, tab-separated file of sentence<TAB>label whose sentences hold
-- commas, a separate test file (data.test_path, --test-data), eval --data on
-- a labelled file of one's own, the training data's fingerprint in the
-- checkpoint, and train refusing to overwrite a run.
local h = require("harness")
local json = require("dkjson")
local bin = h.build .. "/tests/tiny_tsv"
local train_tsv = h.source .. "/tests/specs/tiny_tsv/train.tsv"
local test_tsv = h.source .. "/tests/specs/tiny_tsv/test.tsv"

local function train(out, ...)
  local args = { bin, "train", "--out", out, "--threads", "1" }
  for _, a in ipairs({ ... }) do args[#args + 1] = a end
  return h.run(args)
end

local function eval(ckpt, ...)
  local args = { bin, "eval", "--checkpoint", ckpt }
  for _, a in ipairs({ ... }) do args[#args + 1] = a end
  return h.run(args)
end

local function metadata(path)
  local bytes = assert(h.read(path), path)
  local n = string.unpack("<I8", bytes)
  return assert(json.decode(bytes:sub(9, 8 + n))).__metadata__
end

local function lines(path)
  local n = 0
  for _ in (h.read(path) or ""):gmatch("[^\n]+") do n = n + 1 end
  return n
end

-- A header-less TSV of N sentences (with commas and quotes), labels 0 and 1
-- alternating, or the LABELS given.
local function tsv(path, n, labels)
  local good = { "good", "great", "lovely" }
  local bad = { "bad", "awful", "dull" }
  local rows = {}
  for i = 1, n do
    local label = labels and labels[(i - 1) % #labels + 1] or tostring((i - 1) % 2)
    local w = label == "1" and good or bad
    rows[i] = ('the film, %d times, was %s, %s and "%s"\t%s'):format(i, w[i % 3 + 1],
                                                                    w[(i + 1) % 3 + 1], w[1], label)
  end
  h.write(path, table.concat(rows, "\n") .. "\n")
end

local snapshot = h.snapshot

describe("seqcc and the CSV dialect", function()
  teardown(h.cleanup)

  it("writes a spec's delimiter, header and test_path into the model's tables, only where set", function()
    local dir = h.tmpdir()
    local spec = h.read(h.source .. "/specs/stock_lstm.yaml")
    spec = spec:gsub("  columns: %[Open, High, Low, Close, Volume%]\n  target: Close\n",
                     '  columns: [1, 4]\n  target: 4\n  delimiter: ";"\n  header: false\n')
    spec = spec:gsub("  test_split: 0.2\n", "  test_path: recent.csv\n")
    h.write(dir .. "/stock_lstm.yaml", spec)
    local r = h.run({ h.seqcc, dir .. "/stock_lstm.yaml", "-o", dir .. "/out" })
    assert.are.equal(0, r.code, r.err)
    local info = h.read(dir .. "/out/stock_lstm_info.c")
    for _, want in ipairs({ '.columns = "1,4"', '.target = "4"', ".delimiter = ';'",
                            ".headerless = 1", '.test_path = "recent.csv"' }) do
      assert.is_truthy(info:find(want, 1, true), want)
    end
    -- a test file instead of a held-out part: test_split is 0, which the tables leave out
    assert.is_falsy(info:find(".test_split", 1, true))
    -- the committed spec sets none of them
    info = h.read(h.source .. "/generated/stock_lstm/stock_lstm_info.c")
    for _, key in ipairs({ ".delimiter", ".headerless", ".test_path" }) do
      assert.is_falsy(info:find(key, 1, true), key)
    end
  end)
end)

describe("the user's data: a header-less TSV (tiny_tsv)", function()
  teardown(h.cleanup)

  local base -- a run on the spec's own files
  setup(function()
    base = h.tmpdir() .. "/run"
    local r = train(base, "--epochs", "12")
    assert(r.code == 0, r.out .. r.err)
  end)

  it("trains on sentences with commas as they are, and evaluates on the spec's test_path", function()
    local r = train(h.tmpdir() .. "/run", "--max-steps", "3")
    assert.are.equal(0, r.code, r.err)
    -- 48 rows, no header: 36 train and 12 validation; commas split nothing
    assert.matches("tiny_tsv: 36 training and 12 validation examples", r.out, 1, true)
    r = eval(base .. "/best.safetensors")
    assert.are.equal(0, r.code, r.err)
    -- the 16 sentences of test.tsv, not a part of train.tsv
    local acc = r.out:match("^test: 16 examples, loss [%d.]+, accuracy ([%d.]+)")
    assert.is_not_nil(acc, r.out)
    assert.is_true(tonumber(acc) >= 0.75, "test accuracy " .. acc)
    assert.are.equal("", r.err)
    -- the validation split comes from the training file
    r = eval(base .. "/best.safetensors", "--split", "val")
    assert.are.equal(0, r.code, r.err)
    assert.matches("^val: 12 examples, ", r.out)
  end)

  it("names the file and line of a bad row, and writes nothing", function()
    local dir = h.tmpdir()
    tsv(dir .. "/bad.tsv", 10)
    local text = h.read(dir .. "/bad.tsv"):gsub("\t1\n", " 1\n", 1) -- row 2 loses its tab
    h.write(dir .. "/bad.tsv", text)
    local out = dir .. "/run"
    local r = train(out, "--data", dir .. "/bad.tsv")
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/bad.tsv:2: row has 1 field, the first row has 2 (fields are separated by a tab)",
                   r.err, 1, true)
    assert.is_false(h.exists(out))
    -- a quoted field must close: the line where it opened
    h.write(dir .. "/open.tsv", "fine\t1\n\"never closed\t0\nok\t1\n")
    r = train(out, "--data", dir .. "/open.tsv")
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/open.tsv:2: quoted field never closed", r.err, 1, true)
    assert.is_false(h.exists(out))
    -- a class too many: each class with the line it first appears on
    tsv(dir .. "/three.tsv", 12, { "1", "0", "1", "0", "0", "maybe" })
    r = train(out, "--data", dir .. "/three.tsv")
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/three.tsv: the data has 3 classes (0 from line 2, 1 from line 1, maybe " ..
                   "from line 6), but the model's last layer gives one probability (2 classes)",
                   r.err, 1, true)
    assert.is_false(h.exists(out))
  end)

  it("evaluates a labelled file of one's own, all of it, classes matched by name", function()
    local dir = h.tmpdir()
    tsv(dir .. "/own.tsv", 21)
    local r = eval(base .. "/best.safetensors", "--data", dir .. "/own.tsv")
    assert.are.equal(0, r.code, r.err)
    assert.matches("^test: 21 examples, ", r.out)
    assert.are.equal("", r.err)
    -- a file with one class only: the model's two classes still hold, by name
    tsv(dir .. "/ones.tsv", 7, { "1" })
    r = eval(base .. "/best.safetensors", "--data", dir .. "/ones.tsv")
    assert.are.equal(0, r.code, r.err)
    assert.matches("^test: 7 examples, ", r.out)
    -- --test-data replaces the spec's test_path
    r = eval(base .. "/best.safetensors", "--test-data", dir .. "/ones.tsv")
    assert.are.equal(0, r.code, r.err)
    assert.matches("^test: 7 examples, ", r.out)
    -- a label the model does not know: file and line
    tsv(dir .. "/other.tsv", 5, { "0", "1", "2" })
    r = eval(base .. "/best.safetensors", "--data", dir .. "/other.tsv")
    assert.are.equal(1, r.code)
    assert.matches(dir .. "/other.tsv:3: label \"2\" is not one of the model's 2 classes", r.err, 1, true)
  end)

  it("warns when the file given to eval is the one the model was trained on", function()
    -- a copy elsewhere is the same data: the SHA-256 tells
    local copy = h.tmpdir() .. "/copy.tsv"
    h.write(copy, h.read(train_tsv))
    for _, file in ipairs({ train_tsv, copy }) do
      local r = eval(base .. "/best.safetensors", "--data", file)
      assert.are.equal(0, r.code, r.err)
      assert.matches("^test: 48 examples, ", r.out)
      assert.matches("warning: " .. base .. "/best.safetensors was trained on this file (" .. file ..
                     "): the figure is not a test figure", r.err, 1, true)
    end
    local r = eval(base .. "/best.safetensors", "--data", test_tsv)
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("", r.err)
  end)

  it("records the training data's path, size and SHA-256 in the checkpoint", function()
    local m = metadata(base .. "/checkpoint.safetensors")
    assert.are.equal(train_tsv, m.data_path)
    assert.are.equal(tostring(#h.read(train_tsv)), m.data_size)
    local p = io.popen("sha256sum " .. h.quote(train_tsv))
    local want = p:read("l"):match("^(%x+)")
    p:close()
    assert.are.equal(want, m.data_sha256)
    -- the path as given, made absolute, its . and .. parts taken out
    local dir = h.tmpdir()
    os.execute("mkdir -p " .. h.quote(dir .. "/a/b"))
    tsv(dir .. "/a/mine.tsv", 12)
    local r = h.run({ "sh", "-c", "cd " .. h.quote(dir .. "/a/b") .. " && " .. h.quote(bin) ..
                      " train --data .././/b/../mine.tsv --out run --max-steps 1" })
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(dir .. "/a/mine.tsv", metadata(dir .. "/a/b/run/checkpoint.safetensors").data_path)
  end)

  it("evaluates without --data on the data the checkpoint was trained on, saying so", function()
    local dir = h.tmpdir()
    tsv(dir .. "/mine.tsv", 40) -- 30 train, 10 validation
    local out = dir .. "/run"
    local r = train(out, "--data", dir .. "/mine.tsv", "--max-steps", "2")
    assert.are.equal(0, r.code, r.err)
    r = eval(out .. "/checkpoint.safetensors", "--split", "val")
    assert.are.equal(0, r.code, r.err)
    assert.matches("^val: 10 examples, ", r.out)
    assert.matches("was trained on " .. dir .. "/mine.tsv, not on the spec's data", r.err, 1, true)
    -- gone: the spec's data, with a warning naming both
    os.remove(dir .. "/mine.tsv")
    r = eval(out .. "/checkpoint.safetensors", "--split", "val")
    assert.are.equal(0, r.code, r.err)
    assert.matches("^val: 12 examples, ", r.out)
    assert.matches("warning: [^\n]*was trained on " .. dir:gsub("%p", "%%%0") .. "/mine%.tsv " ..
                   "%(sha256 %x+%), which is gone or has changed, not on the spec's data [^\n]*train%.tsv", r.err)
  end)

  it("refuses to train into a folder that holds a run, changing nothing; --force starts afresh", function()
    local out = h.tmpdir() .. "/run"
    local r = train(out, "--epochs", "2")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(2, lines(out .. "/metrics.jsonl"))
    local before = snapshot(out)
    os.execute("sleep 1.1") -- a rewrite would show in the modification times
    r = train(out, "--epochs", "2")
    assert.are.equal(1, r.code)
    assert.matches("error: " .. out .. " already holds a run", r.err, 1, true)
    assert.matches("--resume", r.err, 1, true)
    assert.matches("--force", r.err, 1, true)
    assert.are.same(before, snapshot(out))
    -- a folder with only a best checkpoint holds a run too
    local other = h.tmpdir()
    h.write(other .. "/best.safetensors", h.read(out .. "/best.safetensors"))
    before = snapshot(other)
    r = train(other)
    assert.are.equal(1, r.code)
    assert.matches("best.safetensors): continue it with --resume", r.err, 1, true)
    assert.are.same(before, snapshot(other))
    -- --resume and --force contradict each other
    r = train(out, "--resume", "--force")
    assert.are.equal(2, r.code)
    -- --force: a fresh run, nothing of the old one left: stopped before its first epoch ends,
    -- it has a checkpoint and no best, log or curve yet
    r = train(out, "--epochs", "1", "--force", "--max-steps", "2")
    assert.are.equal(0, r.code, r.err)
    assert.are.same({ "checkpoint.safetensors" }, h.ls(out))
    r = train(out, "--epochs", "1", "--force")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(1, lines(out .. "/metrics.jsonl"))
    assert.are_not.equal(before.files["checkpoint.safetensors"], h.read(out .. "/checkpoint.safetensors"))
    -- --resume continues the run there, on the same data
    r = train(out, "--epochs", "2", "--resume")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("", r.err)
    assert.are.equal(2, lines(out .. "/metrics.jsonl"))
    -- continuing on other data is allowed, and said
    local mine = h.tmpdir() .. "/mine.tsv"
    tsv(mine, 40)
    r = train(out, "--epochs", "3", "--resume", "--data", mine)
    assert.are.equal(0, r.code, r.err)
    assert.matches("warning: " .. out .. "/checkpoint.safetensors began on " .. train_tsv ..
                   " (sha256 ", r.err, 1, true)
    assert.matches("it continues on " .. mine .. ", other data", r.err, 1, true)
  end)
end)
