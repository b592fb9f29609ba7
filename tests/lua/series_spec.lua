-- series_spec.lua: the regression models: sine_lstm learns the generated
-- wave down to its noise, the same seed gives the same bits, predict agrees
-- with eval's scaling, and bad series data or input lines are rejected.
local h = require("harness")
local json = require("dkjson")
local sine = h.model("sine_lstm")
local stock = h.model("stock_lstm")
local goog = h.data .. "/GOOG.csv"

local function last_metrics(dir)
  local last
  for line in (h.read(dir .. "/metrics.jsonl") or ""):gmatch("[^\n]+") do
    last = assert(json.decode(line))
  end
  return last
end

describe("the series models", function()
  teardown(h.cleanup)

  local run -- a full sine_lstm run (10 epochs, about a second)
  setup(function()
    run = h.tmpdir()
    local r = h.run({ sine, "train", "--out", run, "--threads", "2" })
    assert(r.code == 0, r.out .. r.err)
  end)

  it("sine_lstm forecasts the wave to within its noise, beating the naive forecast", function()
    local r = h.run({ sine, "eval", "--checkpoint", run .. "/best.safetensors" })
    assert.are.equal(0, r.code, r.err)
    local n, rmse, naive = r.out:match("test: (%d+) examples, loss [%d.]+, rmse ([%d.]+) " ..
                                       "%(naive forecast ([%d.]+)%)")
    assert.is_not_nil(n, r.out)
    assert.are.equal("800", n) -- the last 20% of 4,000 points
    -- the noise has standard deviation 0.1: no forecast does much better
    assert.is_true(tonumber(rmse) < 0.12, "test rmse " .. rmse)
    assert.is_true(tonumber(rmse) > 0.09, "test rmse " .. rmse .. " is below the noise")
    assert.is_true(tonumber(rmse) < 0.8 * tonumber(naive), rmse .. " vs naive " .. naive)
    local m = last_metrics(run)
    assert.is_true(m.val_rmse < m.val_naive_rmse)
  end)

  it("gives the same bits for the same seed, whatever the thread count", function()
    local other = h.tmpdir()
    local r = h.run({ sine, "train", "--out", other, "--threads", "1" })
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(h.read(run .. "/checkpoint.safetensors"),
                     h.read(other .. "/checkpoint.safetensors"))
  end)

  it("predicts from raw values as eval does from scaled ones", function()
    -- a clean wave's last 50 points: the forecast is close to the next one
    local values = {}
    for t = 0, 49 do values[#values + 1] = string.format("%.9f", math.sin(2 * math.pi * t / 50)) end
    local r = h.run({ sine, "predict", "--checkpoint", run .. "/best.safetensors" },
                    table.concat(values, " ") .. "\n" .. table.concat(values, ",") .. "\n")
    assert.are.equal(0, r.code, r.err)
    local a, b = r.out:match("^(%S+)\n(%S+)\n$")
    assert.are.equal(a, b)
    assert.is_true(math.abs(tonumber(a) - math.sin(2 * math.pi * 50 / 50)) < 0.15, r.out)
    r = h.run({ sine, "predict", "--checkpoint", run .. "/best.safetensors" }, "1 2 x\n")
    assert.are.equal(1, r.code)
    assert.matches("<stdin>:1: value 3 is not a number (expected 50 numbers", r.err, 1, true)
    r = h.run({ sine, "predict", "--checkpoint", run .. "/best.safetensors" }, "1 2 3\n")
    assert.are.equal(1, r.code)
    assert.matches("<stdin>:1: 3 numbers; expected 50", r.err, 1, true)
  end)

  it("predict takes decimal numbers a float holds, and names the line of any other", function()
    local function window(last)
      local values = {}
      for t = 1, 49 do values[t] = "0.5" end
      values[50] = last
      return table.concat(values, " ") .. "\n"
    end
    for _, bad in ipairs({ "0x1A", "inf", "nan", "-infinity", "1e", "." }) do
      local r = h.run({ sine, "predict", "--checkpoint", run .. "/best.safetensors" },
                      window("1") .. window(bad))
      assert.are.equal(1, r.code, bad)
      assert.matches("^[^\n]+\n$", r.out) -- the first line's answer
      assert.matches("<stdin>:2: value 50 is not a number", r.err, 1, true)
    end
    for _, big in ipairs({ "1e45", "-3.5e38" }) do
      local r = h.run({ sine, "predict", "--checkpoint", run .. "/best.safetensors" }, window(big))
      assert.are.equal(1, r.code, big)
      assert.matches("<stdin>:1: value 50, " .. big .. ", is too large for a float", r.err, 1, true)
      assert.are.equal("", r.out)
    end
    -- within float's range, but not once scaled by the training data's deviation
    local r = h.run({ sine, "predict", "--checkpoint", run .. "/best.safetensors" }, window("3e38"))
    assert.are.equal(1, r.code)
    assert.matches("<stdin>:1: value 50, 3e+38, is out of range", r.err, 1, true)
    r = h.run({ sine, "predict", "--checkpoint", run .. "/best.safetensors" }, window("+.5e-1"))
    assert.are.equal(0, r.code, r.err)
    assert.is_falsy(r.out:find("nan"), r.out)
  end)

  it("stock_lstm names the file and line of a bad cell, and writes nothing", function()
    if not h.exists(goog) then
      pending(goog .. " is missing: run scripts/fetch-data.sh")
      return
    end
    local dir = h.tmpdir()
    local lines = {}
    for line in h.read(goog):gmatch("[^\n]+") do lines[#lines + 1] = line end
    local out = dir .. "/run"
    -- not decimal numbers, or not ones a float holds
    for _, cell in ipairs({ "n/a", "0x1A", "inf", "nan", "1e45" }) do
      local copy = { table.unpack(lines) }
      copy[101] = copy[101]:gsub("^([^,]*,[^,]*,[^,]*,[^,]*,)[^,]*", "%1" .. cell)
      h.write(dir .. "/bad.csv", table.concat(copy, "\n") .. "\n")
      local r = h.run({ stock, "train", "--data", dir .. "/bad.csv", "--out", out })
      assert.are.equal(1, r.code, cell)
      assert.matches(dir .. "/bad.csv:101: column \"Close\": " .. (cell == "1e45" and
                     "1e45 is too large for a float" or "\"" .. cell .. "\" is not a finite number"),
                     r.err, 1, true)
      assert.is_false(h.exists(out))
    end
    h.write(dir .. "/short.csv", table.concat(lines, "\n", 1, 20) .. "\n")
    r = h.run({ stock, "train", "--data", dir .. "/short.csv", "--out", out })
    assert.are.equal(1, r.code)
    assert.matches("too few for windows of seq_len 30", r.err, 1, true)
    assert.is_false(h.exists(out))
  end)

  it("stock_lstm trains and reports its RMSE in dollars beside the naive forecast", function()
    if not h.exists(goog) then
      pending(goog .. " is missing: run scripts/fetch-data.sh")
      return
    end
    local dir = h.tmpdir()
    local r = h.run({ stock, "train", "--data", goog, "--out", dir, "--epochs", "5" })
    assert.are.equal(0, r.code, r.err)
    -- without --data: the data it was trained on (the spec's, or the file the checkpoint records)
    r = h.run({ stock, "eval", "--checkpoint", dir .. "/checkpoint.safetensors" })
    assert.are.equal(0, r.code, r.err)
    -- 1,258 days: the last 252 are the test targets (20%, rounded)
    local rmse, naive = r.out:match("test: 252 examples, loss [%d.]+, rmse ([%d.]+) " ..
                                    "%(naive forecast ([%d.]+)%)")
    assert.is_not_nil(rmse, r.out)
    assert.is_true(tonumber(naive) > 1 and tonumber(naive) < 5, "naive rmse " .. naive)
    assert.is_true(tonumber(rmse) < 30, "rmse " .. rmse)
    -- eval --data FILE: every window of FILE, scaled as in training; this one trained it
    r = h.run({ stock, "eval", "--data", goog, "--checkpoint", dir .. "/checkpoint.safetensors" })
    assert.are.equal(0, r.code, r.err)
    assert.matches("^test: 1228 examples, ", r.out) -- the targets of rows 31 to 1,258
    assert.matches("was trained on this file (" .. goog .. "): the figure is not a test figure",
                   r.err, 1, true)
    -- the last 100 days on their own, as a file of one's own
    local lines = {}
    for line in h.read(goog):gmatch("[^\n]+") do lines[#lines + 1] = line end
    local own = h.tmpdir() .. "/recent.csv"
    h.write(own, lines[1] .. "\n" .. table.concat(lines, "\n", #lines - 99) .. "\n")
    r = h.run({ stock, "eval", "--data", own, "--checkpoint", dir .. "/checkpoint.safetensors" })
    assert.are.equal(0, r.code, r.err)
    assert.matches("^test: 70 examples, ", r.out)
    assert.are.equal("", r.err)
  end)
end)
