-- weights_spec.lua: weights files ("seqcc-weights/1": a model's parameters
-- alone, with its name and checksum, as `seqcc import` writes them). Made
-- here from a checkpoint: predict --ids, export-onnx and export
-- --no-tokenizer read one as a checkpoint, to the same answers; what needs
-- the vocabulary says so; train --init-weights starts from one (or from a
-- checkpoint) to the same bytes; a damaged or another model's file is refused.
local h = require("harness")
local json = require("dkjson")

local function sha256(path)
  local p = io.popen("sha256sum " .. h.quote(path))
  local hex = p:read("a"):match("^(%x+)")
  p:close()
  return hex
end

-- The parameters of checkpoint CKPT (no optimizer/, tokenizer/, data/ or
-- state tensors) as the weights file OUT of model MODEL.
local function weights_from(ckpt, out, model)
  local bytes = h.read(ckpt)
  local n = string.unpack("<I8", bytes)
  local header = json.decode(bytes:sub(9, 8 + n))
  local names = {}
  for name, t in pairs(header) do
    if name ~= "__metadata__" and not name:match("^optimizer/") and not name:match("^tokenizer/")
       and not name:match("^data/") and name ~= "state" then
      names[#names + 1] = name
    end
  end
  table.sort(names, function(a, b) return header[a].data_offsets[1] < header[b].data_offsets[1] end)
  local zero = string.rep("0", 64)
  local parts, data, at = {}, {}, 0
  parts[1] = string.format('"__metadata__":{"format":"seqcc-weights/1","model":"%s","checksum_sha256":"%s"}',
                           model, zero)
  for _, name in ipairs(names) do
    local t = header[name]
    local chunk = bytes:sub(9 + n + t.data_offsets[1], 8 + n + t.data_offsets[2])
    local shape = {}
    for i, d in ipairs(t.shape) do shape[i] = tostring(math.tointeger(d)) end
    parts[#parts + 1] = string.format('"%s":{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}',
                                      name, t.dtype, table.concat(shape, ","), at, at + #chunk)
    data[#data + 1] = chunk
    at = at + #chunk
  end
  local head = "{" .. table.concat(parts, ",") .. "}"
  head = head .. string.rep(" ", (8 - #head % 8) % 8)
  local file = string.pack("<I8", #head) .. head .. table.concat(data)
  h.write(out, file)
  local sum = sha256(out)
  h.write(out, (file:gsub(zero, sum, 1)))
  return out
end

describe("weights files", function()
  teardown(h.cleanup)
  local ckpt, weights
  setup(function()
    ckpt = h.short_checkpoint("imdb_lstm", "text")
    weights = weights_from(ckpt, h.tmpdir() .. "/imdb_lstm.safetensors", "imdb_lstm")
  end)

  it("answer predict --ids as the checkpoint they came from; export-onnx and export --no-tokenizer take them", function()
    local text = "A fine, moving film.\nDull and far too long.\n"
    local ids = h.run({ h.model("imdb_lstm"), "encode", "--checkpoint", ckpt }, text)
    assert.are.equal(0, ids.code, ids.err)
    local want = h.run({ h.model("imdb_lstm"), "predict", "--checkpoint", ckpt, "--ids", "--probs" }, ids.out)
    local got = h.run({ h.model("imdb_lstm"), "predict", "--checkpoint", weights, "--ids", "--probs" }, ids.out)
    assert.are.equal(0, got.code, got.err)
    -- the classes are named by their index: neg, pos -> 0, 1
    assert.are.equal(want.out:gsub("neg", "0"):gsub("pos", "1"), got.out)
    local r = h.run({ h.model("imdb_lstm"), "export", "--checkpoint", weights, "--out", h.tmpdir() .. "/c",
                      "--no-tokenizer" })
    assert.are.equal(0, r.code, r.err)
    if os.getenv("SEQCC_ONNX") == "1" then
      r = h.run({ h.model("imdb_lstm"), "export-onnx", "--checkpoint", weights, "--out", h.tmpdir() .. "/m.onnx" })
      assert.are.equal(0, r.code, r.err)
    end
  end)

  it("say what needs the vocabulary: predict on text, eval, export with its tokenizer", function()
    local r = h.run({ h.model("imdb_lstm"), "predict", "--checkpoint", weights }, "A fine film.\n")
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("weights file, with no vocabulary: give it token ids"), r.err)
    r = h.run({ h.model("imdb_lstm"), "eval", "--checkpoint", weights, "--limit", "10" })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("train from it first %(train %-%-init%-weights"), r.err)
    local dir = h.tmpdir() .. "/export"
    r = h.run({ h.model("imdb_lstm"), "export", "--checkpoint", weights, "--out", dir })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("%-%-no%-tokenizer"), r.err)
    assert.is_false(h.exists(dir))
  end)

  it("start train --init-weights: the same bytes from a weights file as from its checkpoint", function()
    local runs = {}
    for i, from in ipairs({ weights, ckpt, false }) do
      runs[i] = h.tmpdir()
      local args = { h.model("imdb_lstm"), "train", "--out", runs[i], "--max-steps", "2", "--limit", "40",
                     "--threads", "1" }
      if from then
        args[#args + 1] = "--init-weights"
        args[#args + 1] = from
      end
      local r = h.run(args)
      assert.are.equal(0, r.code, r.err)
    end
    local a, b, fresh = h.read(runs[1] .. "/checkpoint.safetensors"), h.read(runs[2] .. "/checkpoint.safetensors"),
                        h.read(runs[3] .. "/checkpoint.safetensors")
    assert.are.equal(a, b)
    assert.are_not.equal(a, fresh)
    local r = h.run({ h.model("imdb_lstm"), "train", "--out", runs[1], "--resume", "--init-weights", weights })
    assert.are.equal(2, r.code)
  end)

  it("refuse a damaged file, another model's, a file that is neither", function()
    local bytes = h.read(weights)
    local bad = h.tmpdir() .. "/bad.safetensors"
    h.write(bad, bytes:sub(1, #bytes - 11) .. string.char((bytes:byte(#bytes - 10) + 1) % 256) .. bytes:sub(#bytes - 9))
    for _, cmd in ipairs({ { "predict", "--checkpoint", bad, "--ids" }, { "train", "--init-weights", bad, "--out", h.tmpdir(), "--max-steps", "1", "--limit", "40" } }) do
      local args = { h.model("imdb_lstm"), table.unpack(cmd) }
      local r = h.run(args, "5 6 7\n")
      assert.are.equal(1, r.code, table.concat(cmd, " "))
      assert.is_truthy(r.err:match("damaged"), r.err)
    end
    local other = weights_from(h.short_checkpoint("imdb_gru", "text"), h.tmpdir() .. "/gru.safetensors", "imdb_gru")
    local r = h.run({ h.model("imdb_lstm"), "predict", "--checkpoint", other, "--ids" }, "5\n")
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match('the weights of model "imdb_gru", not "imdb_lstm"'), r.err)
    local renamed = weights_from(ckpt, h.tmpdir() .. "/renamed.safetensors", "imdb_gru")
    r = h.run({ h.model("imdb_lstm"), "train", "--init-weights", renamed, "--out", h.tmpdir(), "--limit", "40" })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match('the weights of model "imdb_gru"'), r.err)
  end)
end)
