-- subproject_spec.lua: seqcc's source inside another project (FetchContent,
-- which is add_subdirectory underneath) builds the compiler, the runtime and
-- the project's models, and nothing of seqcc's own: no tests, no Lua, no
-- seed models, nothing written into seqcc's checkout. And in seqcc's own
-- build, a spec dropped into specs/ is built by the next build.
local h = require("harness")
local cc = os.getenv("SEQCC_CC") or "cc"

local function copy(from, to)
  assert.is_true(os.execute("cp -R " .. h.quote(from) .. " " .. h.quote(to)) == true)
end

local function ok(r, what)
  assert.are.equal(0, r.code, what .. ":\n" .. r.out .. r.err)
  return r
end

describe("seqcc as a subproject", function()
  teardown(h.cleanup)

  it("builds a user's model through FetchContent, without seqcc's tests", function()
    local dir = h.tmpdir() .. "/sentiment"
    copy(h.source .. "/examples/sentiment", dir)
    local before = h.run({ "git", "-C", h.source, "status", "--porcelain", "--untracked-files=all" })
    ok(h.run({ "cmake", "-S", dir, "-B", dir .. "/build", "-DCMAKE_C_COMPILER=" .. cc,
               "-DSEQCC_SOURCE_DIR=" .. h.source }), "configure")
    ok(h.run({ "cmake", "--build", dir .. "/build", "-j2" }), "build")
    local r = ok(h.run({ dir .. "/build/reviews", "summary" }), "summary")
    assert.matches("Total params: ", r.out, 1, true)
    -- nothing of seqcc's own: no tests, no seed models
    assert.matches("Total Tests: 0", ok(h.run({ "ctest", "--test-dir", dir .. "/build", "-N" }),
                                        "ctest -N").out, 1, true)
    assert.is_false(h.exists(dir .. "/build/_deps/seqcc-build/tests"))
    assert.are_not.equal(0, h.run({ "cmake", "--build", dir .. "/build", "--target", "imdb_lstm" }).code)
    local after = h.run({ "git", "-C", h.source, "status", "--porcelain", "--untracked-files=all" })
    assert.are.equal(before.out, after.out, "the build wrote into seqcc's checkout")

    -- editing a hyperparameter and building is the whole workflow
    local spec = h.read(dir .. "/reviews.yaml")
    local edited, n = spec:gsub("units: 32", "units: 24")
    assert.are.equal(1, n)
    h.write(dir .. "/reviews.yaml", edited)
    ok(h.run({ "cmake", "--build", dir .. "/build" }), "rebuild")
    r = ok(h.run({ dir .. "/build/reviews", "summary" }), "summary")
    -- LSTM(24) on 16 features: 4 * 24 * (16 + 24 + 1)
    assert.matches(" lstm %(LSTM%) +%(None, 24%) +3936 ", r.out)
  end)

  it("builds a spec dropped into specs/ at the next build, without configuring", function()
    local src = h.tmpdir() .. "/seqcc"
    assert.is_true(os.execute("mkdir -p " .. h.quote(src .. "/specs")) == true)
    for _, f in ipairs({ "CMakeLists.txt", "cmake", "compiler", "runtime" }) do
      copy(h.source .. "/" .. f, src .. "/" .. f)
    end
    copy(h.source .. "/specs/sine_lstm.yaml", src .. "/specs/sine_lstm.yaml")
    local build = src .. "/build"
    ok(h.run({ "cmake", "-S", src, "-B", build, "-DCMAKE_C_COMPILER=" .. cc,
               "-DSEQCC_BUILD_TESTS=OFF" }), "configure")
    ok(h.run({ "cmake", "--build", build, "-j2" }), "build")
    assert.is_true(h.exists(build .. "/sine_lstm"))
    -- a text model whose data is found from the spec's folder: src/data
    assert.is_true(os.execute("ln -s " .. h.quote(h.data) .. " " .. h.quote(src .. "/data")) == true)
    local spec = h.read(h.source .. "/specs/tweets_lstm.yaml"):gsub("name: tweets_lstm", "name: tweets_gru")
                  :gsub("type: lstm", "type: gru")
    h.write(src .. "/specs/tweets_gru.yaml", spec)
    ok(h.run({ "cmake", "--build", build, "-j2" }), "build after adding a spec")
    local r = ok(h.run({ build .. "/tweets_gru", "summary" }), "the new model")
    assert.matches(" gru %(GRU%) ", r.out)
    -- the binary finds the data from its own folder, whatever the working folder,
    -- and holds no absolute path of the tree it was built in
    r = ok(h.run({ "sh", "-c", "cd / && " .. h.quote(build .. "/tweets_gru") ..
                   " train --max-steps 2 --out " .. h.quote(h.tmpdir() .. "/run") }), "train")
    assert.matches("stopped after step 2", r.out, 1, true)
    assert.is_nil(h.read(build .. "/tweets_gru"):find(src, 1, true), "the binary names " .. src)
  end)
end)
