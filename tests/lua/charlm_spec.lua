-- charlm_spec.lua: a character language model's corpus and sampling: a NUL
-- byte in the corpus is an error at its line and offset; --temperature near
-- 0 samples the most likely character, and 0 always takes it.
local h = require("harness")
local bin = h.build .. "/tests/tiny_charlm"
local hamlet = h.data .. "/hamlet_pg2265.txt"

describe("a char-lm (tiny_charlm)", function()
  teardown(h.cleanup)

  local run
  setup(function()
    if not h.exists(hamlet) then return end
    run = h.tmpdir()
    local r = h.run({ bin, "train", "--out", run, "--epochs", "1", "--threads", "1", "--force" })
    assert(r.code == 0, r.out .. r.err)
  end)

  local function sample(t, seed)
    return h.run({ bin, "sample", "--checkpoint", run .. "/best.safetensors", "--prime", "The ",
                   "--length", "60", "--temperature", t, "--seed", seed or "1" })
  end

  it("samples the most likely characters at --temperature 0 and near it", function()
    if not run then
      pending(hamlet .. " is missing: run scripts/fetch-data.sh")
      return
    end
    local greedy = sample("0")
    assert.are.equal(0, greedy.code, greedy.err)
    assert.is_true(#greedy.out > #"The \n", "nothing sampled: '" .. greedy.out .. "'")
    assert.are.equal(greedy.out, sample("0", "2").out, "greedy sampling depends on the seed")
    for _, t in ipairs({ "0.001", "0.0001", "1e-30" }) do
      local r = sample(t)
      assert.are.equal(0, r.code, r.err)
      assert.are.equal(greedy.out, r.out, "--temperature " .. t)
    end
    local varied = sample("1")
    assert.are.equal(0, varied.code, varied.err)
    assert.are_not.equal(greedy.out, varied.out)
    for _, t in ipairs({ "-1", "-0.001", "101", "nan", "x" }) do
      local r = sample(t)
      assert.are.equal(2, r.code, t)
      assert.matches("--temperature needs a number from 0", r.err, 1, true)
    end
  end)

  it("names the line and offset of a NUL byte in the corpus, and writes nothing", function()
    if not run then
      pending(hamlet .. " is missing: run scripts/fetch-data.sh")
      return
    end
    local dir = h.tmpdir()
    local text = h.read(hamlet):sub(1, 20000)
    local line3 = select(2, text:find("^[^\n]*\n[^\n]*\n")) -- the offset where line 3 starts
    local corpus = text:sub(1, line3) .. "\0" .. text:sub(line3 + 1)
    h.write(dir .. "/nul.txt", corpus)
    local r = h.run({ bin, "train", "--data", dir .. "/nul.txt", "--out", dir .. "/run" })
    assert.are.equal(1, r.code, r.err)
    assert.matches(dir .. "/nul.txt:3: NUL byte at offset " .. line3, r.err, 1, true)
    assert.is_false(h.exists(dir .. "/run"))
  end)
end)
