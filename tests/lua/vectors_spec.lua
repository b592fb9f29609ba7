-- vectors_spec.lua: pre-trained word vectors end to end. tiny_vectors.yaml
-- (an embedding from vectors.txt, trainable: false) is copied into a
-- temporary folder with tiny_tsv's data and a vectors file written here,
-- built with an installed seqcc (`seqcc build`) and trained: the file's rows
-- are the checkpoint's rows of the vocabulary's words, unchanged by training
-- when frozen and trained away from the file when trainable; summary counts
-- the frozen table as non-trainable; its gradient check passes; a vectors
-- file of the wrong width is refused at compile time with its file:line.
local h = require("harness")
local json = require("dkjson")

local DIM = 8
-- Words of tiny_tsv's vocabulary, and one it lacks (ignored).
local WORDS = { "the", "plot", "was", "warm", "fine", "cold", "music", "zyzzyva" }

local function ok(r, what)
  assert.are.equal(0, r.code, what .. ":\n" .. r.out .. r.err)
  return r
end

-- The installed seqcc: `seqcc build` needs the runtime.
local function seqcc()
  return h.installed() .. "/bin/seqcc"
end

-- A folder with the spec (TRAINABLE or frozen), the data and vectors.txt
-- (OPTS for write_vectors); returns the folder, the spec and the vectors.
local function project(trainable, opts)
  local dir = h.tmpdir()
  local spec = h.read(h.source .. "/tests/lua/tiny_vectors.yaml")
  if trainable then
    local n
    spec, n = spec:gsub("\n    trainable: false\n", "\n")
    assert(n == 1)
  end
  h.write(dir .. "/tiny_vectors.yaml", spec)
  for _, f in ipairs({ "train.tsv", "test.tsv" }) do
    h.write(dir .. "/" .. f, h.read(h.source .. "/tests/specs/tiny_tsv/" .. f))
  end
  local vectors = h.write_vectors(dir .. "/vectors.txt", WORDS, DIM, opts)
  return dir, dir .. "/tiny_vectors.yaml", vectors
end

-- The F32 tensors and the vocabulary (word -> id) of a checkpoint.
local function checkpoint(path)
  local bytes = assert(h.read(path), path)
  local n = string.unpack("<I8", bytes)
  local header = json.decode(bytes:sub(9, 8 + n))
  local data = bytes:sub(9 + n)
  local function tensor(name)
    local t = assert(header[name], name)
    local a, b = t.data_offsets[1], t.data_offsets[2]
    if t.dtype ~= "F32" then return data:sub(a + 1, b) end
    local values = {}
    for i = 0, (b - a) // 4 - 1 do values[i] = string.unpack("<f", data, a + 1 + 4 * i) end
    return values
  end
  local ids = {}
  local id = 2
  for word in (tensor("tokenizer/vocab") .. "\n"):gmatch("([^\n]*)\n") do
    ids[word] = id
    id = id + 1
  end
  return tensor("embedding/embeddings"), ids
end

-- How far the checkpoint's row of each word of VECTORS in the vocabulary is
-- from its vector (the largest difference), by word; asserts most are in.
local function distances(table_, ids, vectors)
  local d, found = {}, 0
  for word, v in pairs(vectors) do
    local id = ids[word]
    if id then
      found = found + 1
      local worst = 0
      for k = 1, DIM do worst = math.max(worst, math.abs(table_[id * DIM + k - 1] - v[k])) end
      d[word] = worst
    end
  end
  assert.is_nil(ids.zyzzyva)
  assert.is_true(found >= #WORDS - 2, "only " .. found .. " of the words are in the vocabulary")
  return d
end

-- Builds and trains the project's model; returns its binary and its run.
local function trained(dir, spec)
  local bin = dir .. "/tiny_vectors"
  ok(h.run({ seqcc(), "build", spec, "-o", bin }), "seqcc build")
  local r = ok(h.run({ bin, "train", "--out", dir .. "/run", "--threads", "1" }), "train")
  assert.matches("embedding/embeddings: %d+ of the vocabulary's %d+ words found in", r.err)
  return bin, dir .. "/run"
end

describe("pre-trained word vectors", function()
  teardown(h.cleanup)

  it("stay as the file gives them in a frozen embedding", function()
    local dir, spec, vectors = project(false)
    local r = ok(h.run({ h.seqcc, "summary", spec }), "summary")
    assert.matches("Total params: 329\nTrainable params: 9\nNon-trainable params: 320\n", r.out, 1, true)
    local bin, run = trained(dir, spec)
    local emb, ids = checkpoint(run .. "/checkpoint.safetensors")
    for word, d in pairs(distances(emb, ids, vectors)) do
      assert.are.equal(0, d, word .. "'s row is not its vector")
    end
    r = ok(h.run({ bin, "gradcheck", "--samples", "20", "--threads", "1" }), "gradcheck")
    assert.matches("\n  embedding/embeddings +max rel error", r.out)
    assert.matches("gradcheck passed\n$", r.out)
  end)

  it("start from the file and learn in a trainable embedding", function()
    local dir, spec, vectors = project(true)
    local r = ok(h.run({ h.seqcc, "summary", spec }), "summary")
    assert.matches("Trainable params: 329\nNon-trainable params: 0\n", r.out, 1, true)
    local _, run = trained(dir, spec)
    local emb, ids = checkpoint(run .. "/checkpoint.safetensors")
    local moved = 0
    for word, d in pairs(distances(emb, ids, vectors)) do
      assert.is_true(d < 0.25, word .. " moved " .. d .. " in a few steps: not from its vector")
      if d > 0 then moved = moved + 1 end
    end
    assert.is_true(moved > 0, "no word's row was trained")
  end)

  it("of the wrong width are refused at compile time with the file's line", function()
    -- the spec's position of 'path', which the error points at
    local path_line, path_col = 0, 0
    for line in h.read(h.source .. "/tests/lua/tiny_vectors.yaml"):gmatch("([^\n]*)\n") do
      path_line = path_line + 1
      path_col = line:find("path: vectors.txt", 1, true)
      if path_col then break end
    end
    for _, header in ipairs({ false, true }) do
      local dir, spec = project(false, { bad_line = 3, header = header })
      local out = dir .. "/out"
      local r = h.run({ h.seqcc, spec, "-o", out })
      assert.are.equal(2, r.code, r.err)
      local at = ("%s:%d:%d: error: layer 1 'embedding' (Embedding): embeddings_initializer: "):
                 format(spec, path_line, path_col)
      local says = ("%s/vectors.txt:%d: \"was\" has 7 values, but the embedding's output_dim is 8\n"):
                   format(dir, header and 4 or 3)
      assert.are.equal(at .. says, r.err)
      assert.is_false(h.exists(out))
    end
  end)
end)
