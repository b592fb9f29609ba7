-- writes_spec.lua: every write to stdout is checked. Each command of a model
-- binary and of seqcc, with stdout on a full disk (/dev/full), closed, or a
-- pipe whose reader is gone (SIGPIPE ignored), says so and exits 1; predict
-- stops reading when its output is gone.
local h = require("harness")
local tsv = h.build .. "/tests/tiny_tsv"
local charlm = h.build .. "/tests/tiny_charlm"
local spec = h.source .. "/tests/specs/tiny_tsv.yaml"

local function words(args)
  local t = {}
  for i, a in ipairs(args) do t[i] = h.quote(a) end
  return table.concat(t, " ")
end

-- Runs ARGS with stdout as HOW ("full", "closed", "pipe"); exit status and stderr.
local function run(args, how, stdin)
  local dir = h.tmpdir()
  local input = stdin and h.quote(stdin) or "/dev/null"
  local cmd = words(args) .. " < " .. input .. " 2> " .. h.quote(dir .. "/err")
  if how == "full" then
    cmd = cmd .. " > /dev/full"
  elseif how == "closed" then
    cmd = cmd .. " >&-"
  else -- the reader has exited before the first write
    cmd = "sh -c " .. h.quote("trap '' PIPE; sleep 0.3; " .. cmd .. "; echo $? > " ..
                              h.quote(dir .. "/rc")) .. " | true"
  end
  local ok, kind, code = os.execute(cmd)
  if how == "pipe" then
    code = tonumber(h.read(dir .. "/rc") or "")
  elseif ok then
    code = 0
  elseif kind == "signal" then
    code = 128 + code
  end
  return code, h.read(dir .. "/err") or ""
end

describe("a failed write to stdout", function()
  local ckpt, lm, input, text, count = nil, nil, nil, nil, 0
  setup(function()
    local dir = h.tmpdir()
    assert.are.equal(0, h.run({ tsv, "train", "--out", dir .. "/run", "--threads", "1" }).code)
    ckpt = dir .. "/run/best.safetensors"
    text = dir .. "/text.txt"
    h.write(text, ("to be or not to be, that is the question\n"):rep(60))
    local r = h.run({ charlm, "train", "--data", text, "--out", dir .. "/lm", "--threads", "1" })
    assert.are.equal(0, r.code, r.err)
    lm = dir .. "/lm/best.safetensors"
    input = dir .. "/lines.txt"
    h.write(input, ("a good film, lovely\n"):rep(20))
  end)
  teardown(function()
    print(("\nchecked writes: %d commands x stdout full, closed, a broken pipe: each exit 1 "
           .. "with a message"):format(count))
    h.cleanup()
  end)

  local function commands()
    local out = h.tmpdir()
    return {
      { tsv, "--help" }, { tsv, "--version" }, { tsv, "summary" },
      { tsv, "eval", "--checkpoint", ckpt },
      { tsv, "predict", "--checkpoint", ckpt, stdin = input },
      { tsv, "predict", "--checkpoint", ckpt, "--probs", input },
      { tsv, "train", "--out", out .. "/run", "--threads", "1", "--force" },
      { tsv, "grads", "--checkpoint", ckpt, "--out", out .. "/g.safetensors" },
      { tsv, "gradcheck", "--samples", "2" },
      { tsv, "bench", "--steps", "2", "--threads", "1" },
      { charlm, "sample", "--checkpoint", lm, "--length", "40", "--prime", "to be" },
      { h.seqcc, "--help" }, { h.seqcc, "--version" }, { h.seqcc, "summary", spec },
    }
  end

  it("is a message and exit 1, for every command", function()
    for _, how in ipairs({ "full", "closed", "pipe" }) do
      for _, c in ipairs(commands()) do
        local what = how .. ": " .. table.concat(c, " ")
        -- it succeeds with a working stdout
        assert.are.equal(0, h.run(c, c.stdin and h.read(c.stdin)).code, what)
        local code, err = run(c, how, c.stdin)
        assert.are.equal(1, code, what .. ": " .. err)
        local reason = ({ full = "No space left on device", closed = "Bad file descriptor",
                          pipe = "Broken pipe" })[how]
        assert.matches("cannot write to stdout: " .. reason, err, 1, true)
        count = count + (how == "full" and 1 or 0)
      end
    end
  end)

  it("stops predict reading an endless input once its reader is gone", function()
    local dir = h.tmpdir()
    -- the pipeline's status is head's; predict's is in rc
    local ok = os.execute("yes 'a good film' | " .. "sh -c " ..
                          h.quote("trap '' PIPE; timeout 60 " ..
                                  words({ tsv, "predict", "--checkpoint", ckpt }) .. " 2> " ..
                                  h.quote(dir .. "/err") .. "; echo $? > " .. h.quote(dir .. "/rc")) ..
                          " | head -c1 > /dev/null")
    assert.is_true(ok == true)
    assert.are.equal("1\n", h.read(dir .. "/rc"), h.read(dir .. "/err"))
    assert.matches("^error: cannot write to stdout: Broken pipe\n$", h.read(dir .. "/err"))
  end)

  it("of a predict on a closed stdin is a read error", function()
    local r = h.run({ "sh", "-c", words({ tsv, "predict", "--checkpoint", ckpt }) .. " <&-" })
    assert.are.equal(1, r.code, r.err)
    assert.matches("error: <stdin>: cannot read: Bad file descriptor", r.err, 1, true)
  end)
end)
