-- crash_spec.lua: crash-consistent run folders. train is killed (SIGKILL) at
-- every stage of every checkpoint, best, curve and metrics write of a small
-- run (the test-only SEQCC_TEST_KILL_AT, runtime/base/util.c), during the repairs
-- of a resume, and at random moments; train --resume (or train, when no
-- checkpoint was left) then ends with the files of an uninterrupted run:
-- the same bytes, metrics.jsonl but for its wall-clock fields, and no
-- temporary file.
local h = require("harness")
local bin = h.build .. "/tests/tiny_tsv" -- the model; a char-lm's below
local files = { "best.safetensors", "checkpoint.safetensors", "curve.svg", "metrics.jsonl" }
-- 36 training examples in batches of 8: 5 steps an epoch, 20 in all; a
-- checkpoint every 2 steps and at each epoch's end, a best file at epochs
-- 1, 3 and 4
local args = { "--threads", "1", "--epochs", "4", "--checkpoint-every", "2" }
local base -- the uninterrupted run's folder
local identical, tried = 0, 0

local function command(dir, resume, kill_at)
  local words = { h.quote(bin), "train", "--out", h.quote(dir) }
  for _, a in ipairs(args) do words[#words + 1] = a end
  if resume then words[#words + 1] = "--resume" end
  local env = kill_at and ("SEQCC_TEST_KILL_AT=" .. h.quote(kill_at) .. " ") or ""
  return env .. table.concat(words, " ") .. " > /dev/null 2> " .. h.quote(dir .. ".err")
end

-- Runs train in DIR (resuming when a checkpoint is there); "killed" or "exit N".
local function train(dir, kill_at)
  local resume = h.exists(dir .. "/checkpoint.safetensors")
  local ok, how, code = os.execute(command(dir, resume, kill_at))
  if ok then return "exit 0" end
  if how == "signal" or code == 128 + 9 then return "killed" end
  return "exit " .. code .. ": " .. (h.read(dir .. ".err") or "")
end

local function without_clock(text)
  return (text:gsub(',"seconds":[^,}]*', ""):gsub(',"examples_per_second":[^,}]*', ""))
end

-- What differs between DIR and the uninterrupted run BASE, or nil.
local function differs(base, dir)
  local names = h.ls(dir)
  if table.concat(names, " ") ~= table.concat(files, " ") then
    return "files: " .. table.concat(names, " ")
  end
  for _, f in ipairs(files) do
    local a, b = h.read(base .. "/" .. f), h.read(dir .. "/" .. f)
    if f == "metrics.jsonl" then a, b = without_clock(a), without_clock(b) end
    if a ~= b then return f .. " differs" end
  end
  return nil
end

-- Kills a run at KILLS (stages, in turn, each run resuming the last), then
-- resumes it to the end and compares with the uninterrupted run; "killed",
-- or how a run with a kill stage ended (it did not pass the stage).
local function crash(kills)
  local dir = h.tmpdir() .. "/run"
  for _, stage in ipairs(kills) do
    local how = train(dir, stage)
    if how ~= "killed" then return how end
  end
  tried = tried + 1
  local how = train(dir)
  assert.are.equal("exit 0", how, table.concat(kills, ", "))
  local why = differs(base, dir)
  assert.is_nil(why, table.concat(kills, ", ") .. ": " .. tostring(why))
  identical = identical + 1
  return "killed"
end

-- How many times a run passes STAGE (a kill at each, resumed and compared).
local function passes(stage)
  local n = 1
  while crash({ stage .. "@" .. n }) == "killed" do n = n + 1 end
  return n - 1
end

describe("a killed train", function()
  local seconds
  local function now()
    local p = io.popen("date +%s.%N")
    local t = tonumber(p:read("l"))
    p:close()
    return t
  end
  setup(function()
    base = h.tmpdir() .. "/base"
    local t0 = now()
    local ok = os.execute(command(base, false))
    seconds = now() - t0 -- the length of a run, on this machine now
    assert.is_true(ok == true, h.read(base .. ".err"))
    assert.are.same(files, h.ls(base))
  end)

  it("resumes to the same files after a kill at every stage of every write", function()
    local stages = {}
    for _, f in ipairs({ "checkpoint.safetensors", "best.safetensors", "curve.svg" }) do
      for _, s in ipairs({ "partial", "written", "renamed" }) do stages[#stages + 1] = s .. ":" .. f end
    end
    stages[#stages + 1] = "partial:metrics.jsonl"
    stages[#stages + 1] = "appended:metrics.jsonl"
    local counts = {}
    for _, stage in ipairs(stages) do
      -- the Nth pass, for every N until the run passes the stage fewer times
      counts[#counts + 1] = stage .. " x" .. passes(stage)
    end
    -- every write is reached: 12 checkpoints, 3 best files, 4 curves and metrics lines
    assert.are.same({
      "partial:checkpoint.safetensors x12", "written:checkpoint.safetensors x12",
      "renamed:checkpoint.safetensors x12", "partial:best.safetensors x3",
      "written:best.safetensors x3", "renamed:best.safetensors x3", "partial:curve.svg x4",
      "written:curve.svg x4", "renamed:curve.svg x4", "partial:metrics.jsonl x4",
      "appended:metrics.jsonl x4" }, counts)
  end)

  it("resumes to the same files after kills during a resume's repairs", function()
    -- between the checkpoint that ends epoch 3 and its best file, then while the
    -- resume trims metrics.jsonl, redraws the curve or rebuilds the best file
    for _, second in ipairs({ "partial:metrics.jsonl", "written:metrics.jsonl",
                              "renamed:metrics.jsonl", "written:curve.svg", "partial:best.safetensors",
                              "written:best.safetensors", "renamed:best.safetensors" }) do
      assert.are.equal("killed", crash({ "renamed:checkpoint.safetensors@9", second }))
      assert.are.equal("killed", crash({ "appended:metrics.jsonl@2", second }))
    end
  end)

  it("resumes to the same files after kills at random moments", function()
    local seed = tonumber(os.getenv("SEQCC_TEST_SEED") or "") or os.time()
    math.randomseed(seed)
    local landed, runs = 0, 0
    while landed < 10 and runs < 40 do -- until 10 kills landed in a run
      runs = runs + 1
      local dir = h.tmpdir() .. "/run"
      local delays, before = {}, landed
      for k = 1, 3 do
        delays[k] = ("%.3f"):format(math.random() * seconds)
        local resume = h.exists(dir .. "/checkpoint.safetensors")
        os.execute("sh -c " .. h.quote(command(dir, resume) .. " & p=$!; sleep " .. delays[k] ..
                                       "; kill -9 $p 2>/dev/null; wait $p; echo $? > " ..
                                       h.quote(dir .. ".status")) .. " 2>/dev/null")
        landed = landed + (h.read(dir .. ".status") == "137\n" and 1 or 0)
      end
      local killed = landed > before and 1 or 0 -- else it ran to its end
      tried = tried + killed
      local what = "seed " .. seed .. ", kills after " .. table.concat(delays, ", ") .. " s"
      assert.are.equal("exit 0", train(dir), what)
      assert.is_nil(differs(base, dir), what)
      identical = identical + killed
    end
    print(("\nrandom kills: %d landed before the run's end, in %d runs of %.3f s"):format(
      landed, runs, seconds))
    assert.is_true(landed >= 10, landed .. " kills landed")
  end)
end)

describe("a deleted best file", function()
  it("is not rebuilt from a checkpoint that does not end its best epoch", function()
    local dir = h.tmpdir() .. "/run"
    local ok = os.execute(command(dir, false) .. " --max-steps 12") -- epoch 3, step 2
    assert.is_true(ok == true, h.read(dir .. ".err"))
    os.remove(dir .. "/best.safetensors")
    assert.are.equal("exit 0", train(dir))
    assert.matches("warning: " .. dir .. "/best.safetensors is not the best model", h.read(dir .. ".err"), 1, true)
    -- epochs 3 and 4 set new bests: the run ends as the uninterrupted one
    assert.is_nil(differs(base, dir))
  end)
end)

describe("a killed stateful char-lm", function()
  setup(function()
    -- a validation loss (lower is better) for the best file, and carried states
    bin = h.build .. "/tests/tiny_charlm"
    local text = h.tmpdir() .. "/text.txt"
    h.write(text, ("to be or not to be, that is the question; whether tis nobler\n"):rep(50))
    args = { "--threads", "1", "--epochs", "3", "--checkpoint-every", "3", "--data", text }
    base = h.tmpdir() .. "/base"
    assert.is_true(os.execute(command(base, false)) == true, h.read(base .. ".err"))
    assert.are.same(files, h.ls(base))
  end)
  teardown(function()
    print(("\ncrash test: %d of %d killed runs resumed byte-identically"):format(identical, tried))
    h.cleanup()
  end)

  it("resumes to the same files after a kill at every stage of its checkpoint and best writes", function()
    for _, stage in ipairs({ "renamed:checkpoint.safetensors", "written:best.safetensors",
                             "appended:metrics.jsonl" }) do
      assert.is_true(passes(stage) >= 3, stage)
    end
  end)
end)
