-- simd_spec.lua: the kernels chosen at run time (codegen.simd). tiny_simd_auto,
-- _avx2 and _scalar are one model but for that key: trained alike, the AVX2
-- kernels give the weights of the best level (AVX-512 where the CPU has it)
-- bit for bit; the scalar fallback rounds apart, gives the same bits for any
-- thread count, and trains to the same losses within float rounding.
local h = require("harness")

local function bin(level) return h.build .. "/tests/tiny_simd_" .. level end

-- The tensors of a checkpoint: the bytes after its JSON header (which names
-- the model, and so differs).
local function tensors(path)
  local bytes = h.read(path)
  local n = string.unpack("<I8", bytes)
  return bytes:sub(9 + n)
end

local function last_loss(dir)
  local loss
  for line in h.read(dir .. "/metrics.jsonl"):gmatch("[^\n]+") do
    loss = tonumber(line:match('"loss":([-%d.e+]+)')) or loss
  end
  return loss
end

local function train(level, threads)
  local dir = h.tmpdir()
  local r = h.run({ bin(level), "train", "--out", dir, "--threads", threads, "--force" })
  return r, dir
end

describe("codegen.simd", function()
  teardown(h.cleanup)

  it("gives the best level's bits with the AVX2 kernels", function()
    local r, best = train("auto", "1")
    assert.are.equal(0, r.code, r.err)
    local r2, avx2 = train("avx2", "1")
    if r2.code ~= 0 and r2.err:find("which this CPU lacks", 1, true) then
      pending("this CPU has no AVX2")
      return
    end
    assert.are.equal(0, r2.code, r2.err)
    assert.is_true(#tensors(best .. "/checkpoint.safetensors") > 40000)
    assert.is_true(tensors(best .. "/checkpoint.safetensors") == tensors(avx2 .. "/checkpoint.safetensors"),
                   "the AVX2 kernels' weights differ from the best level's")
  end)

  it("trains with the scalar kernels, the same bits for any thread count", function()
    local r, one = train("scalar", "1")
    assert.are.equal(0, r.code, r.err)
    local r2, two = train("scalar", "2")
    assert.are.equal(0, r2.code, r2.err)
    local scalar = tensors(one .. "/checkpoint.safetensors")
    assert.is_true(scalar == tensors(two .. "/checkpoint.safetensors"), "1 and 2 threads differ")
    local r3, best = train("auto", "1")
    assert.are.equal(0, r3.code, r3.err)
    -- another path (no fused multiply-add), the same training within rounding
    assert.is_false(scalar == tensors(best .. "/checkpoint.safetensors"),
                    "the scalar build computed the vector kernels' bits: was it scalar?")
    local a, b = last_loss(one), last_loss(best)
    assert.is_true(a and b and math.abs(a - b) <= 1e-5 * math.abs(b),
                   string.format("last epoch's loss: scalar %s, auto %s", a, b))
  end)
end)
