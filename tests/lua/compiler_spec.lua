-- compiler_spec.lua: seqcc's command line, its output (golden, byte-stable,
-- regenerated on change) and the Keras summary.
local h = require("harness")

local function specs()
  local list = {}
  for _, name in ipairs(h.ls(h.source .. "/specs")) do
    local model = name:match("^(.+)%.yaml$")
    if model then list[#list + 1] = model end
  end
  return list
end

-- The specs the golden-code and Keras-count tests cover. A spec in specs/
-- outside the list is reported as not covered (pending), with how to add it.
local covered = {}
for line in h.read(h.source .. "/tests/golden/covered_specs.txt"):gmatch("[^\n]+") do
  covered[line] = true
end

local function not_covered(model)
  pending("specs/" .. model .. ".yaml is not covered by the golden-code and Keras-count tests; " ..
          "cover it with: cmake --build build --target " .. model .. "_regenerate && echo " ..
          model .. " >> tests/golden/covered_specs.txt, and add its Keras counts to the keras " ..
          "table of tests/lua/compiler_spec.lua")
end

local function files(dir)
  local t = {}
  for _, name in ipairs(h.ls(dir)) do t[name] = h.read(dir .. "/" .. name) end
  return t
end

describe("seqcc", function()
  teardown(h.cleanup)

  it("prints its version and usage", function()
    local r = h.run({ h.seqcc, "--version" })
    assert.are.equal(0, r.code)
    assert.matches("^seqcc %d+%.%d+%.%d+\n$", r.out)
    r = h.run({ h.seqcc, "--help" })
    assert.are.equal(0, r.code)
    assert.matches("usage: seqcc SPEC.yaml %-o DIR", r.out)
  end)

  it("rejects bad usage with status 2", function()
    assert.are.equal(2, h.run({ h.seqcc }).code)
    assert.are.equal(2, h.run({ h.seqcc, h.source .. "/specs/imdb_lstm.yaml" }).code)
    local r = h.run({ h.seqcc, "--frobnicate", h.source .. "/specs/imdb_lstm.yaml", "-o", h.tmpdir() })
    assert.are.equal(2, r.code)
    assert.matches("unknown option '%-%-frobnicate'", r.err)
    local spec = h.source .. "/specs/imdb_lstm.yaml"
    local cases = {
      { { "summary", spec, "--check" }, "summary does not take %-%-check %(see seqcc summary %-%-help%)" },
      { { "summary", spec, "-o", "x" }, "summary does not take %-o" },
      { { "build", spec, "-o", "x", "--check" }, "build does not take %-%-check %(see seqcc build %-%-help%)" },
      { { spec, "-o", "x", "--lib" }, "seqcc SPEC %-o DIR does not take %-%-lib" },
      { { spec, "-o" }, "%-o needs a value" },
      { { spec, "--check=yes", "-o", "x" }, "unknown option '%-%-check=yes'" },
      { { spec, spec, "-o", "x" }, "one spec at a time" },
    }
    for _, c in ipairs(cases) do
      local args = { h.seqcc }
      for _, a in ipairs(c[1]) do args[#args + 1] = a end
      r = h.run(args)
      assert.are.equal(2, r.code, table.concat(c[1], " "))
      assert.matches(c[2], r.err)
    end
  end)

  it("prints each command's usage with only its options", function()
    local r = h.run({ h.seqcc, "build", "--help" })
    assert.are.equal(0, r.code)
    assert.matches("^usage: seqcc build SPEC.yaml %-o BINARY %[%-%-lib%] %[%-v%]\n", r.out)
    for _, opt in ipairs({ "-o", "--lib", "-v" }) do
      assert.matches("\n  " .. opt:gsub("%-", "%%-") .. " ", r.out)
    end
    assert.is_nil(r.out:find("--check", 1, true))
    r = h.run({ h.seqcc, "summary", "--help" })
    assert.are.equal(0, r.code)
    assert.matches("^usage: seqcc summary SPEC.yaml\n", r.out)
    assert.is_nil(r.out:find("\n  %-"))
    r = h.run({ h.seqcc, "summary", h.source .. "/specs/imdb_lstm.yaml", "-h" })
    assert.are.equal(0, r.code)
    assert.matches("^usage: seqcc summary", r.out)
  end)

  it("takes -o DIR and -o=DIR alike", function()
    local spec, dir = h.source .. "/specs/imdb_lstm.yaml", h.tmpdir()
    assert.are.equal(0, h.run({ h.seqcc, spec, "-o", dir .. "/a" }).code)
    assert.are.equal(0, h.run({ h.seqcc, "-o=" .. dir .. "/b", spec }).code)
    assert.are.same(h.ls(dir .. "/a"), h.ls(dir .. "/b"))
    assert.are.equal(h.read(dir .. "/a/imdb_lstm.c"), h.read(dir .. "/b/imdb_lstm.c"))
    local r = h.run({ h.seqcc, spec, "-o=" .. h.source .. "/generated/imdb_lstm", "--check" })
    assert.are.equal(0, r.code, r.err)
  end)

  it("reports an unreadable spec", function()
    local r = h.run({ h.seqcc, "/nonexistent/spec.yaml", "-o", h.tmpdir() .. "/out" })
    assert.are.equal(2, r.code)
    assert.matches("/nonexistent/spec.yaml: error: cannot read the spec", r.err, 1, true)
  end)

  describe("generated/ (the golden code)", function()
    for _, model in ipairs(specs()) do
      if not covered[model] then
        not_covered(model)
      else
        it("is what seqcc emits now for " .. model, function()
          local r = h.run({ h.seqcc, h.source .. "/specs/" .. model .. ".yaml",
                            "-o", h.source .. "/generated/" .. model, "--check" })
          assert.are.equal(0, r.code, "generated/" .. model .. " is stale:\n" .. r.out .. r.err ..
            "\nregenerate it: cmake --build BUILD --target regenerate")
        end)
      end
    end

    it("covers only specs there are", function()
      for model in pairs(covered) do
        assert.is_true(h.exists(h.source .. "/specs/" .. model .. ".yaml"),
                       "tests/golden/covered_specs.txt names " .. model .. ", which has no spec")
      end
    end)

    it("has no folder without a spec", function()
      local want = {}
      for _, model in ipairs(specs()) do want[model] = true end
      for _, name in ipairs(h.ls(h.source .. "/generated")) do
        assert.is_true(want[name] ~= nil, "generated/" .. name .. " has no specs/" .. name .. ".yaml")
      end
    end)
  end)

  it("fails --check with a readable diff when the code is stale", function()
    local dir = h.tmpdir()
    local spec = h.source .. "/specs/imdb_lstm.yaml"
    assert.are.equal(0, h.run({ h.seqcc, spec, "-o", dir }).code)
    local c = h.read(dir .. "/imdb_lstm.c")
    h.write(dir .. "/imdb_lstm.c", (c:gsub("seq_lstm_cell_forward%(16, 64, bias, gates %+ 0,",
                                           "seq_lstm_cell_forward(16, 64, bias, gates + 1,", 1)))
    local r = h.run({ h.seqcc, spec, "-o", dir, "--check" })
    assert.are.equal(1, r.code)
    assert.matches("%-%-%- [^\n]*imdb_lstm%.c\n%+%+%+ [^\n]*what seqcc emits now", r.out)
    assert.matches("\n%-    seq_lstm_cell_forward%(16, 64, bias, gates %+ 1,", r.out)
    assert.matches("\n%+    seq_lstm_cell_forward%(16, 64, bias, gates %+ 0,", r.out)
    assert.matches("is stale; regenerate it with", r.err)
    os.remove(dir .. "/imdb_lstm_info.c")
    r = h.run({ h.seqcc, spec, "-o", dir, "--check" })
    assert.are.equal(1, r.code)
    assert.matches("imdb_lstm_info.c is missing", r.err, 1, true)
  end)

  it("--check says first what a spec change changes, in the model's terms", function()
    local dir = h.tmpdir()
    local text = h.read(h.source .. "/specs/imdb_lstm.yaml")
    local edited, n = text:gsub("type: lstm\n    units: 64", "type: lstm\n    units: 65")
    assert.are.equal(1, n)
    h.write(dir .. "/imdb_lstm.yaml", edited)
    local r = h.run({ h.seqcc, dir .. "/imdb_lstm.yaml", "-o", h.source .. "/generated/imdb_lstm",
                      "--check" })
    assert.are.equal(1, r.code)
    local summary = r.out:match("^seqcc: what changed in [^\n]*\n(.-)\n\n%-%-%- ")
    assert.is_not_nil(summary, r.out:sub(1, 2000))
    -- LSTM(65) on 32: 4 * 65 * (32 + 65 + 1); the dense layers see 65 inputs
    assert.matches("  layer lstm %(LSTM%): %(None, 64%), 24832 params %-> %(None, 65%), 25480 params\n",
                   summary)
    assert.matches("  layer dense %(Dense%): %(None, 64%), 4160 params %-> %(None, 64%), 4224 params\n",
                   summary)
    assert.matches("  Total params: 349,057 %-> 349,769\n", summary)
    assert.matches("  Parameters [^\n]*: 349057 reals %-> 349769 reals\n", summary)
    assert.matches("  imdb_lstm%.c: %d+ %-> %d+ lines", summary)
    assert.is_nil(summary:find("embedding", 1, true), "the embedding did not change")
  end)

  it("writes the same bytes every time, with no paths or times in them", function()
    for _, model in ipairs(specs()) do
      local spec = h.source .. "/specs/" .. model .. ".yaml"
      local a, b = h.tmpdir(), h.tmpdir()
      assert.are.equal(0, h.run({ h.seqcc, spec, "-o", a }).code)
      os.execute("sleep 1")
      assert.are.equal(0, h.run({ "env", "TZ=Asia/Tokyo", "LC_ALL=C", h.seqcc, spec, "-o", b }).code)
      local fa, fb = files(a), files(b)
      assert.are.same(fa, fb)
      for name, text in pairs(fa) do
        assert.is_nil(text:find(h.source, 1, true), name .. " names the checkout")
        assert.is_nil(text:find(a, 1, true), name .. " names the output folder")
        assert.is_nil(text:find("%d%d:%d%d:%d%d"), name .. " has a time of day")
      end
    end
  end)

  it("leaves unchanged files alone, so builds stay incremental", function()
    local dir = h.tmpdir()
    local spec = h.source .. "/specs/imdb_lstm.yaml"
    assert.are.equal(0, h.run({ h.seqcc, spec, "-o", dir }).code)
    local stat = function() return h.run({ "stat", "-c", "%Y.%y", dir .. "/imdb_lstm.c" }).out end
    local before = stat()
    os.execute("sleep 1")
    assert.are.equal(0, h.run({ h.seqcc, spec, "-o", dir }).code)
    assert.are.equal(before, stat())
  end)

  it("prints the Keras summary table", function()
    local r = h.run({ h.seqcc, "summary", h.source .. "/specs/imdb_lstm.yaml" })
    assert.are.equal(0, r.code)
    assert.are.equal(h.read(h.source .. "/tests/golden/imdb_lstm.summary"), r.out)
  end)

  it("follows a hyperparameter change into the code and the summary", function()
    local dir = h.tmpdir()
    local text = h.read(h.source .. "/specs/imdb_lstm.yaml")
    local edited, n = text:gsub("type: lstm\n    units: 64", "type: lstm\n    units: 32")
    assert.are.equal(1, n)
    -- the data path is relative to the spec's folder
    edited = edited:gsub("path: %.%./data/aclImdb", "path: " .. h.source .. "/data/aclImdb")
    h.write(dir .. "/imdb_lstm.yaml", edited)
    local r = h.run({ h.seqcc, "summary", dir .. "/imdb_lstm.yaml" })
    assert.are.equal(0, r.code)
    -- LSTM(32) on 32 features: 4 * 32 * (32 + 32 + 1); Dense(64) on 32: 32 * 64 + 64
    assert.matches(" lstm %(LSTM%) +%(None, 32%) +8320 ", r.out)
    assert.matches(" dense %(Dense%) +%(None, 64%) +2112 ", r.out)
    assert.matches("Total params: 330,497", r.out, 1, true)
    assert.are.equal(0, h.run({ h.seqcc, dir .. "/imdb_lstm.yaml", "-o", dir .. "/gen" }).code)
    local c = h.read(dir .. "/gen/imdb_lstm.c")
    assert.truthy(c:find("seq_lstm_cell_forward(16, 32, ", 1, true))
    assert.falsy(c:find("seq_lstm_cell_forward(16, 64, ", 1, true))
    assert.truthy(c:find("seq_matmul(1920, 128, 32, x, kernel, 0, gates);", 1, true))
  end)
  -- Keras' counts, by its formulas: Embedding vocab * dim; LSTM
  -- 4u(in + u + 1); GRU (reset_after) 3u(in + u + 2); Bidirectional twice its
  -- layer; Conv1D k * in * filters + filters; Conv2D kh * kw * in * filters +
  -- filters; Dense in * out + out. A char_cnn is Keras' Embedding of the
  -- characters, TimeDistributed(Conv1D), TimeDistributed(GlobalMaxPooling1D)
  -- and Concatenate.
  local keras = {
    imdb_lstm = { 10000 * 32, 4 * 64 * (32 + 64 + 1), 64 * 64 + 64, 64 + 1 },
    imdb_masked_lstm = { 10000 * 32, 4 * 64 * (32 + 64 + 1), 64 * 64 + 64, 64 + 1 },
    imdb_gru = { 10000 * 32, 3 * 64 * (32 + 64 + 2), 64 * 64 + 64, 64 + 1 },
    imdb_avgpool = { 10000 * 16, 0, 16 * 16 + 16, 16 + 1 },
    imdb_bilstm = { 10000 * 32, 2 * 4 * 64 * (32 + 64 + 1), 128 * 64 + 64, 64 + 1 },
    imdb_bilstm2 = { 10000 * 32, 2 * 4 * 64 * (32 + 64 + 1), 2 * 4 * 64 * (128 + 64 + 1),
                     128 * 64 + 64, 64 + 1 },
    imdb_sentiment_rnn = { 20000 * 256, 4 * 128 * (256 + 128 + 1), 0, 128 + 1 },
    imdb_cnn_lstm = { 20000 * 64, 5 * 64 * 64 + 64, 0, 4 * 64 * (64 + 64 + 1), 64 + 1 },
    imdb_conv2d_lstm = { 20000 * 32, 3 * 3 * 1 * 8 + 8, 0, 0, 4 * 64 * (16 * 8 + 64 + 1), 64 + 1 },
    tweets_lstm = { 10000 * 64, 4 * 64 * (64 + 64 + 1), 64 * 3 + 3 },
    sine_lstm = { 4 * 32 * (1 + 32 + 1), 32 + 1 },
    stock_lstm = { 4 * 64 * (5 + 64 + 1), 64 + 1 },
    charword_cnn_lstm = { 20000 * 64, 64 * 16, 3 * 16 * 48 + 48, 0, 0, 0,
                          4 * 64 * (64 + 48 + 64 + 1), 64 + 1 },
    hamlet_charlm = { 91 * 64, 4 * 128 * (64 + 128 + 1), 0, 4 * 128 * (128 + 128 + 1), 0,
                      128 * 91 + 91 },
    shakespeare_charlm = { 66 * 64, 4 * 256 * (64 + 256 + 1), 0, 4 * 256 * (256 + 256 + 1), 0,
                           256 * 66 + 66 },
  }
  for _, f in ipairs(h.ls(h.source .. "/specs")) do
    local model = f:match("^(.+)%.yaml$")
    if model and covered[model] then
      it("counts " .. model .. "'s parameters as Keras does", function()
        local want = keras[model]
        assert.is_not_nil(want, model .. ": no Keras counts in this test")
        local r = h.run({ h.seqcc, "summary", h.source .. "/specs/" .. f })
        assert.are.equal(0, r.code, r.err)
        local got, total = {}, 0
        for n in r.out:gmatch("\n [%w_]+ %([%w]+%)? *%([^)]*%) +(%d+) ") do
          got[#got + 1] = tonumber(n)
        end
        for _, n in ipairs(want) do total = total + n end
        assert.are.same(want, got)
        local commas = tostring(total):reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
        assert.matches("Total params: " .. commas .. "\n", r.out, 1, true)
      end)
    end
  end
end)
