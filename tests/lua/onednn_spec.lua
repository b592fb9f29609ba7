-- onednn_spec.lua: bench/onednn_rnn.c, the oneDNN peer of bench/bench_models.py,
-- built with the build's compiler (-std=c11 -Wall -Wextra -Werror, and the
-- sanitizers in a sanitizer build) and run with --check: oneDNN's dst_layer and
-- gradients against a double-precision reference on small stacks of every
-- cell. The check must be able to fail: on oneDNN 2.6.3, leaving the initial
-- states NULL (--null-initial-states) gives a wrong diff_weights_iter for a
-- unidirectional LSTM, which it has to catch. A timing run of two steps
-- prints its JSON line, and a stack whose layers do not fit is refused.
-- Without oneDNN 2.x to build against (Debian's libdnnl-dev: dnnl.h and
-- libdnnl) it exits with status 77, which CTest reports as skipped.
local h = require("harness")

local cc = os.getenv("SEQCC_CC") or "cc"
local sanitize = os.getenv("SEQCC_SANITIZE") == "1"
local dir = h.tmpdir()

h.write(dir .. "/probe.c", "#include <dnnl.h>\n#if DNNL_VERSION_MAJOR != 2\n#error not oneDNN 2\n"
        .. "#endif\nint main(void) { return dnnl_version()->major != 2; }\n")
local probe = h.run({ cc, dir .. "/probe.c", "-ldnnl", "-o", dir .. "/probe" })
if probe.code ~= 0 then
  io.stderr:write("skipped: no oneDNN 2.x to build against (libdnnl-dev: dnnl.h, -ldnnl)\n",
                  probe.err)
  h.cleanup()
  os.exit(77)
end

local exe = dir .. "/onednn_rnn"
local version -- oneDNN's, from the check's summary
local function onednn_rnn(args)
  return h.run({ exe, table.unpack(args) })
end

describe("onednn_rnn", function()
  teardown(h.cleanup)

  it("builds without warnings", function()
    local flags = { cc, "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror" }
    if sanitize then flags[#flags + 1] = "-fsanitize=address,undefined" end
    for _, a in ipairs({ h.source .. "/bench/onednn_rnn.c", "-ldnnl", "-lm", "-o", exe }) do
      flags[#flags + 1] = a
    end
    local r = h.run(flags)
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("", r.err)
  end)

  it("passes its check against the double-precision reference", function()
    -- one thread: the check is tiny, and waiting OpenMP threads spin on a loaded machine
    local r = onednn_rnn({ "--check", "--threads", "1" })
    assert.are.equal(0, r.code, r.err .. r.out)
    assert.matches("^onednn_rnn %-%-check: oneDNN 2%.[%d.]+, 12 cases .* agree with a "
                   .. "double%-precision reference, worst [%d.e+-]+ of", r.out)
    version = r.out:match("oneDNN ([%d.]+),")
  end)

  it("catches oneDNN 2.6.3's diff_weights_iter with NULL initial states", function()
    if version ~= "2.6.3" then
      pending("oneDNN " .. tostring(version) .. ", not 2.6.3: the bug may be fixed")
      return
    end
    local r = onednn_rnn({ "--check", "--null-initial-states", "--threads", "1" })
    assert.are.equal(1, r.code, r.err .. r.out)
    assert.matches("MISMATCH in lstm, 1 direction, [^\n]*: diff_weights_iter of layer 1", r.err)
    assert.matches("FAILED: %d+ tensors of 12 cases differ", r.err)
  end)

  it("times a stack and prints one JSON line", function()
    local r = onednn_rnn({ "--batch", "4", "--seq", "6", "--layer", "lstm:5:3:2", "--layer",
                           "gru:6:3:1:last", "--steps", "2", "--warmup", "1", "--threads", "1" })
    assert.are.equal(0, r.code, r.err)
    assert.matches('^{"ms": [%d.]+, "min": [%d.]+, "max": [%d.]+, "mean": [%d.]+, '
                   .. '"gflops": [%d.]+, "threads": 1, "steps": 2, ', r.out)
  end)

  it("refuses a layer whose input is not the one below's output", function()
    local r = onednn_rnn({ "--batch", "4", "--seq", "6", "--layer", "lstm:5:3:2", "--layer",
                           "lstm:3:3:1" })
    assert.are.equal(2, r.code, r.out)
    assert.matches("layer 2 has 3 input features; layer 1 gives 6", r.err)
  end)
end)
