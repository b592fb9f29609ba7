-- gradcheck_spec.lua: the f64 gradient check of every model, the seed specs
-- and the small test models in tests/specs that cover every layer path.
-- CTest runs it once per model (gradcheck/NAME), naming the model in
-- SEQCC_GRADCHECK_MODEL; without it every model is checked.
local h = require("harness")

local only = os.getenv("SEQCC_GRADCHECK_MODEL")
if only == "" then only = nil end
local found = false

-- Whether MODEL is to be checked in this run.
local function wanted(model)
  if only and model ~= only then return false end
  found = true
  return true
end

local function names(dir)
  local list = {}
  for _, f in ipairs(h.ls(dir)) do
    local n = f:match("^(.+)%.yaml$")
    if n then list[#list + 1] = n end
  end
  return list
end

-- Parameter tensors the model declares, from its --help-free summary: the
-- gradcheck must report each of them, in both of its batches.
local function check(bin, samples)
  local r = h.run({ bin, "gradcheck", "--samples", tostring(samples), "--threads", "2" })
  assert.are.equal(0, r.code, r.out .. r.err)
  local count, worst = 0, 0
  for name, err in r.out:gmatch("\n  (%S+) +max rel error ([%d.e+-]+)") do
    count = count + 1
    worst = math.max(worst, tonumber(err))
    assert.is_true(tonumber(err) < 1e-6, name .. ": " .. err)
  end
  assert.is_true(count >= 2, "no tensors reported")
  assert.are.equal(0, count % 2, "each tensor in both batches")
  assert.matches("gradcheck passed\n$", r.out)
  return count // 2, worst
end

describe("the gradient check", function()
  teardown(h.cleanup)

  for _, model in ipairs(names(h.source .. "/tests/specs")) do
    if wanted(model) then
      it("passes for the test model " .. model, function()
        check(h.build .. "/tests/" .. model, 30)
      end)
      if model == "tiny_stack" then
        -- the check can fail: a tolerance below f64 rounding is not met
        it("fails for the test model tiny_stack when the tolerance is impossible", function()
          local r = h.run({ h.build .. "/tests/tiny_stack", "gradcheck", "--samples", "3", "--threads",
                            "1", "--tolerance", "1e-15" })
          assert.are.equal(3, r.code, r.out .. r.err)
          assert.matches("FAIL", r.out)
          assert.matches("gradcheck FAILED", r.out)
        end)
      end
    end
  end

  -- The seed models are large: a few entries each (imdb_lstm has its own
  -- test). shakespeare_charlm's f64 forward takes 0.5 s: two entries per tensor.
  local samples = { shakespeare_charlm = 2 }
  for _, model in ipairs(names(h.source .. "/specs")) do
    if model ~= "imdb_lstm" and wanted(model) then
      it("passes for " .. model, function()
        check(h.model(model), samples[model] or 4)
      end)
    end
  end

  if only and not found then
    it("knows the model " .. only, function()
      error("SEQCC_GRADCHECK_MODEL=" .. only .. ": no such spec in specs/ or tests/specs/")
    end)
  end
end)
