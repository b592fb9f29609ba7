-- bench_spec.lua: `bench` on the test models of each input kind (word ids,
-- features, characters of words, a char-lm): one JSON line whose timings are
-- positive and agree with each other, exit 0. A char-lm's predictions are
-- steps of `sample` (predict_kind sampled_char), the others' whole examples.
local h = require("harness")

-- The JSON line bench prints, as a table of its numbers and strings.
local function parse(line)
  local t = {}
  for k, v in line:gmatch('"([%w_]+)": ([^,}]+)') do
    t[k] = tonumber(v) or v:match('^"(.*)"$')
  end
  return t
end

describe("bench", function()
  teardown(h.cleanup)

  for _, model in ipairs({ "tiny_masked", "tiny_series", "tiny_charword", "tiny_charlm" }) do
    it("times training steps and predictions of " .. model, function()
      local r = h.run({ h.build .. "/tests/" .. model, "bench", "--steps", "3", "--threads", "1" })
      assert.are.equal(0, r.code, r.err)
      assert.are.equal("", r.err)
      assert.matches("^{[^\n]*}\n$", r.out)
      local b = parse(r.out)
      assert.are.equal(model, b.model)
      assert.are.equal(1, b.threads)
      assert.is_true(b.batch >= 1 and b.seq_len >= 1, r.out)
      assert.are.equal(model == "tiny_charlm" and "sampled_char" or "example", b.predict_kind)
      for _, key in ipairs({ "train_step_ms", "examples_per_second", "predict_ms", "max_rss_mb" }) do
        assert.is_true(b[key] > 0 and b[key] < math.huge, key .. " in " .. r.out)
      end
      -- examples per second is the batch over the step time (printed to 4 decimals)
      local expected = b.batch / (b.train_step_ms / 1e3)
      assert.is_true(math.abs(b.examples_per_second - expected) <= 0.01 * expected, r.out)
    end)
  end

  -- Linux's ru_maxrss carries over what the parent had resident at exec (a
  -- benchmark script's Python); the figure is the program's own (VmHWM).
  it("reports its own peak memory, not its parent's", function()
    local r = h.run({ "sh", "-c", "x=$(head -c 80000000 /dev/zero | tr '\\0' a); exec \"$@\"",
                      "sh", h.build .. "/tests/tiny_masked", "bench", "--steps", "2",
                      "--threads", "1" })
    assert.are.equal(0, r.code, r.err)
    local b = parse(r.out)
    assert.is_true(b.max_rss_mb > 0 and b.max_rss_mb < 40, r.out)
  end)

  it("rejects a step count that is not a positive number", function()
    local r = h.run({ h.build .. "/tests/tiny_masked", "bench", "--steps", "x" })
    assert.are.equal(2, r.code, r.out .. r.err)
  end)
end)
