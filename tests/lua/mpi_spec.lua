-- mpi_spec.lua: data-parallel training over MPI (runtime/dist/dist.h). Ranks on
-- this machine (mpirun --oversubscribe) write the checkpoint bytes one
-- process writes: 2 on imdb_lstm and on the stateful char-lm (whose rows
-- keep their state on their rank), 2, 3 and 6 on a spec of 6 blocks; a rank
-- killed with SIGKILL ends the job, and
-- --resume, with any number of processes, continues to the same bytes; a
-- number of processes that does not divide the batch's blocks is refused;
-- eval and grads split the blocks, predict runs on rank 0 alone. Skipped without
-- mpirun or in a build without MPI. CTest runs each case as a test of its
-- own (lua/mpi/CASE).
local h = require("harness")

local mpirun = os.execute("command -v mpirun > /dev/null 2>&1") == true
local built_with_mpi = os.getenv("SEQCC_MPI") == "1"
local shakespeare = h.data .. "/tinyshakespeare.txt"

-- "mpirun -np N" with what this machine needs: more ranks than cores, and
-- root (CI runs as root).
local function launcher(n)
  local args = { "mpirun", "--oversubscribe", "-np", tostring(n) }
  if h.run({ "id", "-u" }).out:match("^0") then table.insert(args, 2, "--allow-run-as-root") end
  return args
end

-- ARGS under mpirun with N ranks (N == 0: without mpirun).
local function run(n, args)
  local all = n > 0 and launcher(n) or {}
  for _, a in ipairs(args) do all[#all + 1] = a end
  return h.run(all)
end

-- ARGS run to exit status 0 (N ranks, as run); returns the result.
local function ok(n, args)
  local r = run(n, args)
  assert.are.equal(0, r.code, r.err)
  return r
end

-- A function of (DIR, more options...) giving MODEL's train command on DATA.
local function trainer(model, data, limit)
  return function(dir, ...)
    return { h.model(model), "train", "--out", dir, "--data", data, "--limit", limit,
             "--epochs", "1", "--threads", "1", ... }
  end
end
local imdb_train = trainer("imdb_lstm", h.data .. "/aclImdb", "200")
local charlm_train = trainer("shakespeare_charlm", shakespeare, "40000")

-- ARGS as one shell command line.
local function command_line(args)
  local words = {}
  for i, a in ipairs(args) do words[i] = h.quote(a) end
  return table.concat(words, " ")
end

local function same_bytes(a, b, what)
  local x, y = h.read(a), h.read(b)
  assert.is_not_nil(x, a .. " is missing")
  assert.is_not_nil(y, b .. " is missing")
  assert.is_true(x == y, what .. ": " .. a .. " and " .. b .. " differ")
end

-- Why the group cannot run here, or nil.
local function missing()
  if not mpirun then return "mpirun is missing (openmpi-bin)" end
  if not built_with_mpi then return "this build has no MPI (SEQCC_MPI off)" end
  local _, why = h.imdb()
  if why then return why end
  if not h.exists(shakespeare) then return shakespeare .. " is missing: run scripts/fetch-data.sh" end
  return nil
end

describe("training over MPI", function()
  teardown(h.cleanup)
  if missing() then
    pending("skipped: " .. missing())
    return
  end

  it("gives imdb_lstm on 2 ranks the bytes of 1 process, rank 0 alone writing", function()
    local one, two = h.tmpdir() .. "/one", h.tmpdir() .. "/two"
    ok(0, imdb_train(one, "--max-steps", "12", "--threads", "2"))
    local r = ok(2, imdb_train(two, "--max-steps", "12"))
    same_bytes(one .. "/checkpoint.safetensors", two .. "/checkpoint.safetensors", "2 ranks")
    same_bytes(one .. "/best.safetensors", two .. "/best.safetensors", "2 ranks")
    assert.are.same(h.ls(one), h.ls(two))
    local _, lines = r.out:gsub("checkpoint: ", "")
    assert.are.equal(1, lines, "one rank prints:\n" .. r.out)
    -- eval splits the blocks over the ranks: the same figures
    local eval = { h.model("imdb_lstm"), "eval", "--checkpoint", one .. "/checkpoint.safetensors",
                   "--data", h.imdb(), "--limit", "100" }
    local function figures(n) return (ok(n, eval).out:gsub(" %(%d+%.%d s%)", "")) end -- not the time
    assert.are.equal(figures(0), figures(2))
    -- grads too: rank 0 writes the same file
    for n, out in pairs({ [0] = one .. "/grads.st", [2] = two .. "/grads.st" }) do
      ok(n, { h.model("imdb_lstm"), "grads", "--checkpoint", one .. "/checkpoint.safetensors",
              "--data", h.imdb(), "--limit", "100", "--out", out, "--threads", "1" })
    end
    same_bytes(one .. "/grads.st", two .. "/grads.st", "grads on 2 ranks")
  end)

  it("gives the stateful char-lm on 2 ranks the bytes of 1 process, and resumes across counts", function()
    local one, two = h.tmpdir() .. "/one", h.tmpdir() .. "/two"
    ok(0, charlm_train(one, "--max-steps", "4", "--threads", "2"))
    -- 2 ranks to step 2, a checkpoint with the rows' states gathered, then 1
    -- process to step 4; and 1 process to step 2, then 2 ranks to step 4
    ok(2, charlm_train(two, "--max-steps", "2"))
    ok(0, charlm_train(two, "--max-steps", "4", "--resume"))
    same_bytes(one .. "/checkpoint.safetensors", two .. "/checkpoint.safetensors", "2 ranks, then 1")
    local back = h.tmpdir() .. "/back"
    ok(0, charlm_train(back, "--max-steps", "2"))
    ok(2, charlm_train(back, "--max-steps", "4", "--resume"))
    same_bytes(one .. "/checkpoint.safetensors", back .. "/checkpoint.safetensors", "1, then 2 ranks")
  end)

  it("gives a spec of 6 blocks (codegen.blocks) the same bytes on 1, 2, 3 and 6 ranks", function()
    local function train(n)
      local dir = h.tmpdir()
      ok(n, { h.build .. "/tests/tiny_blocks", "train", "--out", dir, "--threads", "1" })
      return dir .. "/checkpoint.safetensors"
    end
    local one = train(0)
    for _, n in ipairs({ 2, 3, 6 }) do same_bytes(one, train(n), n .. " ranks") end
  end)

  it("ends the job when a rank is killed, and resumes to the same bytes", function()
    local dir = h.tmpdir()
    local one, killed = dir .. "/one", dir .. "/killed"
    local steps = { "--limit", "2000", "--epochs", "3", "--max-steps", "150" }
    ok(0, imdb_train(one, table.unpack(steps)))
    -- rank 1 notes its pid; the test kills it after the first checkpoint
    local args = imdb_train(killed, "--checkpoint-every", "5", table.unpack(steps))
    h.write(dir .. "/rank.sh", "#!/bin/sh\n[ \"$OMPI_COMM_WORLD_RANK\" = 1 ] && echo $$ > " ..
            h.quote(dir .. "/pid1") .. "\nexec " .. command_line(args) .. "\n")
    local script = table.concat({
      "chmod +x " .. h.quote(dir .. "/rank.sh"),
      "(" .. command_line(launcher(2)) .. " " .. h.quote(dir .. "/rank.sh") .. " > " ..
        h.quote(dir .. "/out") .. " 2> " .. h.quote(dir .. "/err") .. " < /dev/null; echo $? > " ..
        h.quote(dir .. "/rc") .. ") &",
      "i=0; while [ ! -e " .. h.quote(killed .. "/checkpoint.safetensors") ..
        " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done",
      "kill -9 $(cat " .. h.quote(dir .. "/pid1") .. ")",
      -- no hang: the job ends within a minute
      "i=0; while [ ! -e " .. h.quote(dir .. "/rc") .. " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done",
    }, "\n")
    os.execute(script)
    local rc = h.read(dir .. "/rc")
    assert.is_not_nil(rc, "the job did not end within a minute of the kill")
    assert.are_not.equal(0, tonumber(rc), "the job ended well after a rank was killed")
    local err = h.read(dir .. "/err")
    assert.matches("rank 1 .* exited on signal 9", err)
    assert.is_nil(h.read(killed .. "/metrics.jsonl"), "killed before the first epoch ended")
    ok(2, imdb_train(killed, "--resume", table.unpack(steps)))
    same_bytes(one .. "/checkpoint.safetensors", killed .. "/checkpoint.safetensors", "resumed")
  end)

  it("refuses a number of ranks that does not divide the blocks, or ranks on other data", function()
    local dir = h.tmpdir()
    local r = run(3, imdb_train(dir .. "/run", "--max-steps", "2"))
    assert.are.equal(2, r.code, r.err)
    assert.matches("imdb_lstm's batch of 32 is 2 blocks of 16 rows, which 3 processes cannot share "
                   .. "equally: run a number of processes that divides 2", r.err, 1, true)
    r = run(2, { h.model("hamlet_charlm"), "train", "--out", dir .. "/run", "--data",
                 h.data .. "/hamlet_pg2265.txt", "--max-steps", "2" })
    assert.are.equal(2, r.code, r.err)
    assert.matches("hamlet_charlm's batch of 16 is one block of 16 rows, which one process runs", r.err,
                   1, true)
    assert.is_false(h.exists(dir .. "/run"))
    -- ranks that read other data would train apart: refused
    h.write(dir .. "/rank.sh", "#!/bin/sh\nlimit=200; [ \"$OMPI_COMM_WORLD_RANK\" = 1 ] && limit=100\n" ..
            "exec " .. command_line(imdb_train(dir .. "/run", "--max-steps", "2")) .. " --limit $limit\n")
    r = run(2, { "sh", dir .. "/rank.sh" })
    assert.are.equal(1, r.code, r.err)
    assert.matches("rank 1 of the job read other examples from " .. h.imdb() .. " than rank 0", r.err,
                   1, true)
    assert.is_false(h.exists(dir .. "/run/checkpoint.safetensors"))
  end)

  it("links no MPI library: Open MPI's is loaded only under mpirun", function()
    local r = h.run({ "readelf", "-d", h.model("imdb_lstm") })
    assert.are.equal(0, r.code, r.err)
    assert.matches("libopenblas", r.out, 1, true) -- what it does need, listed
    assert.is_nil(r.out:find("libmpi", 1, true), r.out)
  end)

  it("bench_mpi.py times 2 ranks against 2 threads, with the exchange a step", function()
    local json = require("dkjson")
    local r = h.run({ "/usr/bin/python3", h.source .. "/bench/bench_mpi.py", "--models", "imdb_lstm",
                      "--repeat", "1", "--steps", "3", "--build-dir", h.build, "--json" })
    assert.are.equal(0, r.code, r.err)
    local b = json.decode(r.out).imdb_lstm
    for _, c in ipairs({ "1x1", "1x2", "2x1" }) do assert.is_true(b.step_ms[c].median > 0, c) end
    -- what imdb_lstm.c shares a step: lstm.out (2 x 1024 reals), the
    -- embedding's input gradient (2 x 61440), the LSTM's 3 weight-gradient
    -- shares (2 x (8192 + 16384 + 256)), in floats
    assert.are.equal(5, b.exchanges)
    assert.are.equal(4 * 2 * (1024 + 61440 + 8192 + 16384 + 256), b.exchanged_bytes)
    assert.is_true(b.exchange_ms.median > 0)
  end)

  it("predicts on rank 0 alone", function()
    local dir = h.tmpdir()
    ok(0, imdb_train(dir .. "/run", "--max-steps", "4"))
    h.write(dir .. "/in.txt", "a wonderful film\nthe worst plot I have seen\n")
    local args = { h.model("imdb_lstm"), "predict", "--checkpoint", dir .. "/run/checkpoint.safetensors",
                   dir .. "/in.txt" }
    local p1, p2 = ok(0, args), ok(2, args)
    assert.are.equal(p1.out, p2.out)
    assert.are.equal(2, select(2, p2.out:gsub("\n", "")))
  end)
end)
