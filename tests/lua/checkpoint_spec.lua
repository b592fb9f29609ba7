-- checkpoint_spec.lua: nothing silently wrong with a checkpoint. A corpus of
-- damaged checkpoints made from freshly trained tiny models (truncations,
-- flipped bits in header and data, edited metadata with and without a
-- recomputed checksum, non-finite values, one without a checksum, another
-- model's, an empty file, a folder) is refused with a message and status 1
-- by every command that reads one, and by the C API's open; training that
-- diverges stops, naming the step, and leaves only finite values behind; the
-- data's labels get the checkpoint's class ids by name. CTest runs each
-- case as a test of its own (lua/checkpoint/CASE, see seq_lua_cases).
local h = require("harness")
local json = require("dkjson")

local function bin(model) return h.build .. "/tests/" .. model end
local api = h.build .. "/tests/test_api"
local ZERO = ("0"):rep(64)

local function args_of(model, cmd, ...)
  local args = { bin(model), cmd, "--threads", "1" }
  for _, a in ipairs({ ... }) do args[#args + 1] = a end
  return args
end

-- A CSV of three classes whose words tell them apart; LABELS spells them.
local function write_csv(path, n, labels)
  labels = labels or { "negative", "neutral", "positive" }
  local words = { { "awful", "bad", "late", "rude", "worst" }, { "ok", "fine", "plain", "so", "meh" },
                  { "great", "good", "fun", "nice", "best" } }
  local rows = { "text,airline_sentiment" }
  for i = 1, n do
    local c = (i % #labels) + 1
    local w = words[(i % 3) + 1]
    rows[#rows + 1] = ("%s %s flight %s,%s"):format(w[i % 5 + 1], w[(i + 2) % 5 + 1],
                                                    w[(i + 3) % 5 + 1], labels[c])
  end
  h.write(path, table.concat(rows, "\n") .. "\n")
end

-- A text for the char-lm: a few sentences over and over.
local function write_text(path)
  local s = "To be, or not to be, that is the question. The rest is silence.\n"
  h.write(path, s:rep(60))
end

-- The header (JSON, padding stripped) and data of a safetensors file's bytes.
local function split(bytes)
  local n = string.unpack("<I8", bytes)
  return (bytes:sub(9, 8 + n):gsub(" +$", "")), bytes:sub(9 + n)
end

local function sha256(bytes)
  local tmp = h.tmpdir() .. "/bytes"
  h.write(tmp, bytes)
  local p = io.popen("sha256sum " .. h.quote(tmp))
  local hex = p:read("l"):sub(1, 64)
  p:close()
  return hex
end

-- HEADER and DATA as a file, padded as seqcc pads; with SEAL, its checksum
-- recomputed as seqcc computes it (the digits zeroed, the whole file hashed).
local function join(header, data, seal)
  while #header % 8 ~= 0 do header = header .. " " end
  local bytes = string.pack("<I8", #header) .. header .. data
  if not seal then return bytes end
  bytes = bytes:gsub('"checksum_sha256":"%x+"', '"checksum_sha256":"' .. ZERO .. '"', 1)
  local hex = sha256(bytes)
  return (bytes:gsub(ZERO, hex, 1))
end

-- BYTES with metadata KEY's value replaced by VALUE (nil: the key removed).
local function edit_meta(bytes, key, value, seal)
  local header, data = split(bytes)
  local pattern = '"' .. key .. '":"[^"]*"'
  local n
  if value then
    header, n = header:gsub(pattern, '"' .. key .. '":"' .. value .. '"', 1)
  else
    header, n = header:gsub("," .. pattern, "", 1)
  end
  assert(n == 1, key)
  return join(header, data, seal)
end

-- BYTES with the F32 at index I of tensor NAME set to X, checksum recomputed.
local function edit_value(bytes, name, i, x)
  local header, data = split(bytes)
  local t = assert(json.decode(header)[name], name)
  assert(t.dtype == "F32")
  local at = t.data_offsets[1] + 4 * i
  data = data:sub(1, at) .. string.pack("<f", x) .. data:sub(at + 5)
  return join(header, data, true)
end

local function flip(bytes, at, bit)
  local b = bytes:byte(at) ~ (1 << bit)
  return bytes:sub(1, at - 1) .. string.char(b) .. bytes:sub(at + 1)
end

-- The damaged checkpoints made from the checkpoint BYTES of a model scored by
-- ACCURACY (or by loss) and the checkpoint OTHER of another model: a list of
-- { name, bytes (or false: a folder), what the message must say (or nil) }.
local function corpus(bytes, other, accuracy)
  local cases = {}
  local function add(name, b, says) cases[#cases + 1] = { name = name, bytes = b, says = says } end
  local header_len = string.unpack("<I8", bytes)
  local len = #bytes
  add("empty", "", "too short")
  add("folder", false)
  add("other model", other, "a checkpoint of model")
  -- truncations: in the length field, the header, the data, the last byte
  for _, n in ipairs({ 1, 7, 8, 9, 20, header_len // 2, header_len + 7, header_len + 8,
                       header_len + 9, len - 1 }) do
    add("truncated to " .. n, bytes:sub(1, n))
  end
  for k = 1, 15 do
    local n = header_len + 8 + (len - header_len - 8) * k // 16
    add("truncated to " .. n, bytes:sub(1, n))
  end
  add("one byte more", bytes .. "\0")
  -- bit flips in the length field and the header, then in the data
  for _, at in ipairs({ 1, 2, 8 }) do add("flip length " .. at, flip(bytes, at, 0)) end
  for k = 0, 19 do
    local at = 9 + (header_len - 1) * k // 19
    add("flip header " .. at, flip(bytes, at, k % 7))
  end
  local checksum_at = bytes:find('"checksum_sha256":"', 1, true)
  add("flip checksum digit", flip(bytes, checksum_at + 19 + 10, 0))
  for k = 0, 19 do
    local at = header_len + 9 + (len - header_len - 9) * k // 19
    add("flip data " .. at, flip(bytes, at, k % 8), "the checksum does not match")
  end
  -- metadata edited, checksum left as it was
  add("step -5, not resealed", edit_meta(bytes, "step", "-5"), "the checksum does not match")
  -- metadata edited and the checksum recomputed: the ranges catch it
  local edits = {
    { "step", "-5" }, { "step", "12x" }, { "epoch", "-1" }, { "epoch", "99999" },
    { "epoch_step", "-1" }, { "epoch_step", "99999999999" }, { "epoch_seen", "-3" },
    { "epoch_seen", "99999999" }, { "epoch_correct", "-1" }, { "epoch_loss", "nan" },
    { "epoch_loss", "inf" }, { "best_val_score", "nan" }, { "best_val_score", "inf" },
    { "best_val_score", accuracy and "1.5" or "0.5" }, { "seed", nil },
    { "rng", ("0"):rep(16) .. " " .. ("0"):rep(16) .. " " .. ("0"):rep(16) .. " " .. ("0"):rep(16) },
    { "rng", "1 2 3 4" },
  }
  for _, e in ipairs(edits) do
    add(("%s %s, resealed"):format(e[1], e[2] or "removed"), edit_meta(bytes, e[1], e[2], true),
        '"' .. e[1] .. '"')
  end
  add("checksum abc", edit_meta(bytes, "checksum_sha256", "abc"), '"checksum_sha256"')
  -- non-finite parameters and moments, a negative second moment, resealed
  local header = json.decode((split(bytes)))
  local first
  for name, t in pairs(header) do
    if name ~= "__metadata__" and t.dtype == "F32" and not name:find("^optimizer/")
       and name ~= "state" and (not first or name < first) then
      first = name
    end
  end
  assert(first, "a parameter tensor")
  add("NaN parameter", edit_value(bytes, first, 1, 0 / 0), "non-finite")
  add("inf parameter", edit_value(bytes, first, 0, math.huge), "non-finite")
  add("NaN first moment", edit_value(bytes, "optimizer/m/" .. first, 2, 0 / 0), "non-finite")
  add("-inf second moment", edit_value(bytes, "optimizer/v/" .. first, 0, -math.huge), "non-finite")
  add("negative second moment", edit_value(bytes, "optimizer/v/" .. first, 0, -1), "negative")
  if header.state then -- a stateful model's carried state
    add("NaN state", edit_value(bytes, "state", 3, 0 / 0), "non-finite")
  end
  -- written before checkpoints had a checksum
  add("no checksum", edit_meta(bytes, "checksum_sha256", nil), "no checksum")
  return cases
end

-- Writes CASE where a command reads it: DIR/checkpoint.safetensors, a
-- folder for the folder case.
local function place(case, dir)
  os.execute("mkdir -p " .. h.quote(dir))
  local path = dir .. "/checkpoint.safetensors"
  if case.bytes then h.write(path, case.bytes) else os.execute("mkdir " .. h.quote(path)) end
  return path
end

-- RESULT is a clean refusal of PATH for CASE.
local function refused(r, path, case, what)
  local where = case.name .. " (" .. what .. ")"
  assert(r.code == 1, where .. ": status " .. tostring(r.code) .. "\n" .. r.out .. r.err)
  assert(r.err:find("error: " .. path, 1, true), where .. ": " .. r.err)
  assert(not case.says or r.err:find(case.says, 1, true), where .. " lacks " ..
         tostring(case.says) .. ": " .. r.err)
  assert(not r.err:find("AddressSanitizer", 1, true) and not r.err:find("runtime error", 1, true),
         where .. ": " .. r.err)
end

-- Runs every command that reads a checkpoint of MODEL (trained on DATA) on
-- each of CASES, placed in a folder of its own under ROOT: each must refuse
-- it, writing nothing. Returns the checkpoints' paths, in order.
local function refused_by_all(model, data, cases, root)
  local charlm = model == "tiny_charlm"
  local paths = {}
  for i, case in ipairs(cases) do
    local d = root .. "/" .. i
    local path = place(case, d)
    paths[i] = path
    refused(h.run(args_of(model, "eval", "--checkpoint", path, "--data", data, "--split",
                          charlm and "val" or "test")), path, case, "eval")
    if charlm then
      refused(h.run(args_of(model, "sample", "--checkpoint", path, "--length", "20")), path, case,
              "sample")
    else
      refused(h.run(args_of(model, "predict", "--checkpoint", path), "a good flight\n"), path,
              case, "predict")
    end
    local grads = d .. "/grads.safetensors"
    refused(h.run(args_of(model, "grads", "--checkpoint", path, "--data", data, "--split", "train",
                          "--out", grads)), path, case, "grads")
    assert(not h.exists(grads), case.name .. ": grads wrote " .. grads)
    local before = h.snapshot(d)
    refused(h.run(args_of(model, "train", "--resume", "--out", d, "--data", data, "--epochs", "3")),
            path, case, "train --resume")
    assert.are.same(before, h.snapshot(d), case.name)
  end
  return paths
end

describe("checkpoints", function()
  teardown(h.cleanup)

  local dir, csv, text, classes_ckpt, charlm_ckpt
  lazy_setup(function()
    dir = h.tmpdir()
    csv, text = dir .. "/labels.csv", dir .. "/text.txt"
    write_csv(csv, 90)
    write_text(text)
    local r = h.run(args_of("tiny_classes", "train", "--data", csv, "--out", dir .. "/classes",
                            "--epochs", "2"))
    assert(r.code == 0, r.out .. r.err)
    r = h.run(args_of("tiny_charlm", "train", "--data", text, "--out", dir .. "/charlm",
                      "--max-steps", "5"))
    assert(r.code == 0, r.out .. r.err)
    classes_ckpt = dir .. "/classes/checkpoint.safetensors"
    charlm_ckpt = dir .. "/charlm/checkpoint.safetensors"
  end)

  it("records a checksum that the documented recipe reproduces", function()
    for _, path in ipairs({ classes_ckpt, charlm_ckpt }) do
      local bytes = h.read(path)
      local header, data = split(bytes)
      assert.matches('"checksum_sha256":"%x+"', header)
      assert.are.equal(bytes, join(header, data, true))
    end
  end)

  it("refuses every damaged checkpoint of a classifier in eval, predict, grads, train --resume and the C API",
     function()
    local cases = corpus(h.read(classes_ckpt), h.read(charlm_ckpt), true)
    assert.is_true(#cases >= 90, #cases)
    local paths = refused_by_all("tiny_classes", csv, cases, dir .. "/bad-classes")
    -- the C API's open: SEQCC_ERR_CHECKPOINT (or IO), naming the file
    local words = { h.quote(api), "open", "tiny_classes" }
    for _, path in ipairs(paths) do words[#words + 1] = h.quote(path) end
    local p = io.popen(table.concat(words, " ") .. " 2>/dev/null")
    local n = 0
    for line in p:lines() do
      n = n + 1
      local status, message = line:match("^([%u_]+)\t(.*)$")
      assert(status == "SEQCC_ERR_CHECKPOINT" or status == "SEQCC_ERR_IO",
             cases[n].name .. " (C API): " .. line)
      assert(message:find(paths[n], 1, true), cases[n].name .. " (C API): " .. line)
    end
    p:close()
    assert.are.equal(#cases, n)
  end)

  it("refuses every damaged checkpoint of a char-lm in eval, grads, sample and train --resume",
     function()
    local cases = corpus(h.read(charlm_ckpt), h.read(classes_ckpt), false)
    refused_by_all("tiny_charlm", text, cases, dir .. "/bad-charlm")
  end)

  it("refuses to resume at a batch past the data's epoch", function()
    -- in range for the metadata (epoch_step <= step), not for this data
    local bytes = edit_meta(h.read(classes_ckpt), "epoch_step", "15", true)
    local d = dir .. "/past"
    local path = place({ bytes = bytes }, d)
    local r = h.run(args_of("tiny_classes", "train", "--resume", "--out", d, "--data", csv,
                            "--epochs", "3"))
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches("error: " .. path .. " stands at batch 16 of an epoch, but the data has 9 batches",
                   r.err, 1, true)
  end)
end)

-- Every F32/F64 value of the safetensors file PATH is finite.
local function all_finite(path)
  local header, data = split(assert(h.read(path), path))
  for name, t in pairs(json.decode(header)) do
    local size = ({ F32 = 4, F64 = 8 })[t.dtype]
    if name ~= "__metadata__" and size then
      for at = t.data_offsets[1], t.data_offsets[2] - 1, size do
        local x = string.unpack(size == 4 and "<f" or "<d", data, at + 1)
        if x ~= x or x == math.huge or x == -math.huge then return false, name end
      end
    end
  end
  for key, v in pairs(json.decode(header).__metadata__) do
    if key ~= "best_val_score" and (v:find("nan") or v:find("inf")) then return false, key end
  end
  return true
end

describe("training that diverges", function()
  teardown(h.cleanup)

  -- tiny_tsv on its own data (5 steps an epoch, a validation split) with
  -- SEQCC_TEST_NONFINITE=HOOK and a checkpoint every 2 steps
  local function train(out, hook)
    local args = hook and { "env", "SEQCC_TEST_NONFINITE=" .. hook } or {}
    for _, a in ipairs(args_of("tiny_tsv", "train", "--out", out, "--epochs", "4",
                               "--checkpoint-every", "2")) do
      args[#args + 1] = a
    end
    return h.run(args)
  end

  it("stops at a non-finite loss, naming the step, with only finite values saved", function()
    local out = h.tmpdir() .. "/loss"
    local r = train(out, "loss 12")
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches("error: training diverged at step 12 (epoch 3): the loss is nan", r.err, 1, true)
    for _, name in ipairs({ "checkpoint.safetensors", "best.safetensors" }) do
      local ok, what = all_finite(out .. "/" .. name)
      assert(ok, name .. ": " .. tostring(what))
    end
    -- the last checkpoint is the end of epoch 2's, and it is sound
    local header = json.decode((split(h.read(out .. "/checkpoint.safetensors"))))
    assert.are.equal("10", header.__metadata__.step)
    r = h.run(args_of("tiny_tsv", "eval", "--checkpoint", out .. "/checkpoint.safetensors"))
    assert.are.equal(0, r.code, r.err)
  end)

  it("stops at a non-finite gradient norm before any checkpoint", function()
    local out = h.tmpdir() .. "/grad"
    local r = train(out, "grad 2")
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches("error: training diverged at step 2 (epoch 1): the gradient norm is nan", r.err,
                   1, true)
    assert.is_false(h.exists(out .. "/checkpoint.safetensors"))
    assert.is_false(h.exists(out .. "/best.safetensors"))
  end)

  it("refuses to save parameters gone non-finite, naming the tensor", function()
    -- the update of step 4 overflows; the save after it is refused
    local out = h.tmpdir() .. "/param"
    local r = train(out, "param 4")
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches("error: not saved at step 4: " .. out .. "/checkpoint.safetensors: tensor \"" ..
                   "embedding/embeddings\" holds a non-finite value (nan at index 0)", r.err, 1, true)
    local header = json.decode((split(h.read(out .. "/checkpoint.safetensors"))))
    assert.are.equal("2", header.__metadata__.step)
    assert.is_true(all_finite(out .. "/checkpoint.safetensors"))
  end)

  it("trains as before when the hook names no step it reaches", function()
    local a, b = h.tmpdir() .. "/a", h.tmpdir() .. "/b"
    local r = train(a, "loss 999")
    assert.are.equal(0, r.code, r.err)
    r = train(b)
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(h.read(b .. "/checkpoint.safetensors"), h.read(a .. "/checkpoint.safetensors"))
    assert.are.equal(h.read(b .. "/best.safetensors"), h.read(a .. "/best.safetensors"))
  end)
end)

describe("classes by name", function()
  teardown(h.cleanup)

  local dir, csv, ckpt
  lazy_setup(function()
    dir = h.tmpdir()
    csv = dir .. "/labels.csv"
    write_csv(csv, 90)
    local r = h.run(args_of("tiny_classes", "train", "--data", csv, "--out", dir .. "/run",
                            "--epochs", "1"))
    assert(r.code == 0, r.out .. r.err)
    ckpt = dir .. "/run/checkpoint.safetensors"
  end)

  it("names the file and line of a label the model does not know (Positive for positive)",
     function()
    local respelled = dir .. "/respelled.csv"
    write_csv(respelled, 30, { "negative", "neutral", "Positive" })
    local want = respelled .. ':3: label "Positive" is not one of the model\'s 3 classes'
    local runs = {
      eval_train = args_of("tiny_classes", "eval", "--checkpoint", ckpt, "--data", respelled,
                           "--split", "train"),
      eval_test = args_of("tiny_classes", "eval", "--checkpoint", ckpt, "--data", respelled),
      grads = args_of("tiny_classes", "grads", "--checkpoint", ckpt, "--data", respelled,
                      "--split", "train", "--out", dir .. "/g.safetensors"),
    }
    for what, args in pairs(runs) do
      local r = h.run(args)
      assert.are.equal(1, r.code, what .. ": " .. r.out .. r.err)
      assert.matches(want, r.err, 1, true)
    end
    assert.is_false(h.exists(dir .. "/g.safetensors"))
    os.execute("cp -r " .. h.quote(dir .. "/run") .. " " .. h.quote(dir .. "/resumed"))
    local before = h.snapshot(dir .. "/resumed")
    local r = h.run(args_of("tiny_classes", "train", "--resume", "--out", dir .. "/resumed",
                            "--data", respelled, "--epochs", "2"))
    assert.are.equal(1, r.code, r.out .. r.err)
    assert.matches(want, r.err, 1, true)
    assert.are.same(before.files, h.snapshot(dir .. "/resumed").files)
  end)

  it("gives the data's labels the checkpoint's ids, whatever classes the data lacks", function()
    -- only "positive" (the model's class 2) and "neutral" (1): in byte order
    -- they would be 1 and 0
    local two = dir .. "/two.csv"
    write_csv(two, 24, { "positive", "neutral" })
    local g = dir .. "/two.safetensors"
    local r = h.run(args_of("tiny_classes", "grads", "--checkpoint", ckpt, "--data", two,
                            "--split", "train", "--out", g))
    assert.are.equal(0, r.code, r.out .. r.err)
    local header, data = split(h.read(g))
    local t = json.decode(header)["batch/targets"]
    local seen = {}
    for at = t.data_offsets[1], t.data_offsets[2] - 1, 4 do
      seen[string.unpack("<f", data, at + 1)] = true
    end
    assert.is_true(seen[1] and seen[2] and not seen[0], "targets: " .. json.encode(seen))
    -- and training goes on over such data
    os.execute("cp -r " .. h.quote(dir .. "/run") .. " " .. h.quote(dir .. "/on_two"))
    r = h.run(args_of("tiny_classes", "train", "--resume", "--out", dir .. "/on_two", "--data", two,
                      "--epochs", "2"))
    assert.are.equal(0, r.code, r.out .. r.err)
  end)
end)
