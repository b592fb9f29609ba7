-- install_spec.lua: seqcc as a user gets it. `cmake --install` into a
-- temporary prefix; the example project (examples/sentiment) built against
-- it with find_package, trained for a few steps, and its C program's
-- predictions equal to the model binary's `predict` digit for digit; `seqcc
-- build` without CMake, and the model library linked through pkg-config.
local h = require("harness")
local cc = os.getenv("SEQCC_CC") or "cc"

local function ok(r, what)
  assert.are.equal(0, r.code, what .. ":\n" .. r.out .. r.err)
  return r
end

local function sh(line)
  return h.run({ "sh", "-c", line })
end

local installed = h.installed

-- The example, copied, configured against the prefix and built, with its data.
local example
local function built_example()
  if example then return example end
  local dir = h.tmpdir() .. "/sentiment"
  assert.is_true(os.execute("cp -R " .. h.quote(h.source .. "/examples/sentiment") .. " " ..
                            h.quote(dir)) == true)
  ok(h.run({ "cmake", "-S", dir, "-B", dir .. "/build", "-DCMAKE_C_COMPILER=" .. cc,
             "-DCMAKE_PREFIX_PATH=" .. installed() }), "configure the example")
  ok(h.run({ "cmake", "--build", dir .. "/build", "-j2" }), "build the example")
  ok(h.run({ dir .. "/build/make_reviews", dir .. "/data" }), "make_reviews")
  example = dir
  return dir
end

-- The texts of the first N lines of a TSV file, one per line.
local function texts(path, n)
  local out, i = {}, 0
  for line in io.lines(path) do
    i = i + 1
    if i > n then break end
    out[#out + 1] = line:match("^([^\t]*)\t")
  end
  return table.concat(out, "\n") .. "\n"
end

describe("an installed seqcc", function()
  teardown(h.cleanup)

  it("puts the compiler, the runtime, the CMake package and pkg-config under the prefix", function()
    local p = installed()
    for _, f in ipairs({ "bin/seqcc", "lib/libseqrt.a", "lib/libsequtil.a", "include/seqcc/seqrt.h",
                         "include/seqcc/seqcc.h", "include/seqcc/cli/cli.h",
                         "lib/cmake/seqcc/seqccConfig.cmake",
                         "lib/cmake/seqcc/seqccConfigVersion.cmake",
                         "lib/cmake/seqcc/SeqccModel.cmake", "lib/pkgconfig/seqcc.pc" }) do
      assert.is_true(h.exists(p .. "/" .. f), f .. " is not installed")
    end
    local r = ok(h.run({ p .. "/bin/seqcc", "--version" }), "seqcc --version")
    assert.matches("^seqcc 0%.2%.", r.out)
    r = ok(h.run({ "env", "PKG_CONFIG_PATH=" .. p .. "/lib/pkgconfig", "pkg-config", "--modversion",
                   "seqcc" }), "pkg-config")
    assert.matches("^0%.2%.", r.out)
  end)

  it("builds the example with find_package; its program predicts as the binary does", function()
    local dir = built_example()
    local run = dir .. "/run"
    local r = ok(h.run({ dir .. "/build/reviews", "train", "--out", run, "--max-steps", "40",
                         "--threads", "1" }), "train")
    assert.matches("stopped after step 40", r.out, 1, true)
    local ckpt = run .. "/checkpoint.safetensors"
    r = ok(h.run({ dir .. "/build/reviews", "eval", "--checkpoint", ckpt }), "eval on test_path")
    assert.matches("test: 1000 examples", r.out, 1, true)

    local input = texts(dir .. "/data/reviews_test.tsv", 200)
    local binary = ok(h.run({ dir .. "/build/reviews", "predict", "--checkpoint", ckpt }, input),
                      "reviews predict")
    local program = ok(h.run({ dir .. "/build/classify", ckpt }, input), "classify")
    local lines = select(2, binary.out:gsub("\n", "\n"))
    assert.are.equal(200, lines)
    assert.matches("^0%.%d%d%d%d%d%d\t[a-z]+\n", binary.out)
    assert.are.equal(binary.out, program.out)

    -- no absolute path of the example's or seqcc's tree in the binary (but a
    -- sanitized runtime's instrumentation names its source files)
    local bin = h.read(dir .. "/build/reviews")
    assert.is_nil(bin:find(dir, 1, true), "the binary names " .. dir)
    if os.getenv("SEQCC_SANITIZE") ~= "1" then
      assert.is_nil(bin:find(h.source, 1, true), "the binary names " .. h.source)
    end
  end)

  it("rejects a version it is not", function()
    local dir = h.tmpdir()
    h.write(dir .. "/CMakeLists.txt", "cmake_minimum_required(VERSION 3.20)\nproject(v C)\n" ..
            "find_package(seqcc 1.0 REQUIRED)\n")
    local r = h.run({ "cmake", "-S", dir, "-B", dir .. "/build", "-DCMAKE_C_COMPILER=" .. cc,
                      "-DCMAKE_PREFIX_PATH=" .. installed() })
    assert.are_not.equal(0, r.code)
    assert.matches("0%.2%.%d", r.out .. r.err)
  end)

  it("builds a binary and a library without CMake; the library links through pkg-config", function()
    local p, dir = installed(), built_example()
    local out = h.tmpdir()
    local r = ok(h.run({ "env", "CC=" .. cc, p .. "/bin/seqcc", "build", dir .. "/reviews.yaml",
                         "-o", out .. "/reviews", "-v" }), "seqcc build")
    assert.matches("-c [^\n]*reviews%.c", r.err)
    ok(h.run({ out .. "/reviews", "summary" }), "the built binary")
    ok(h.run({ "env", "CC=" .. cc, p .. "/bin/seqcc", "build", dir .. "/reviews.yaml",
               "-o", out .. "/libreviews.a", "--lib" }), "seqcc build --lib")
    assert.is_true(h.exists(out .. "/reviews.h"))
    r = ok(sh("PKG_CONFIG_PATH=" .. h.quote(p .. "/lib/pkgconfig") .. " && export PKG_CONFIG_PATH && " ..
              h.quote(cc) .. " -std=c11 -I" .. h.quote(out) .. " " .. h.quote(dir .. "/classify.c") ..
              " " .. h.quote(out .. "/libreviews.a") .. " $(pkg-config --cflags --libs seqcc) -o " ..
              h.quote(out .. "/classify")), "link through pkg-config")

    -- the same predictions from the binary and the program built here
    local run = h.tmpdir() .. "/run"
    ok(h.run({ out .. "/reviews", "train", "--data", dir .. "/data/reviews.tsv", "--out", run,
               "--max-steps", "5", "--threads", "1" }), "train")
    local input = texts(dir .. "/data/reviews.tsv", 20)
    local ckpt = run .. "/checkpoint.safetensors"
    local binary = ok(h.run({ out .. "/reviews", "predict", "--checkpoint", ckpt }, input), "predict")
    local program = ok(h.run({ out .. "/classify", ckpt }, input), "classify")
    assert.are.equal(binary.out, program.out)

    -- nothing is left behind by a failed build
    r = h.run({ p .. "/bin/seqcc", "build", dir .. "/reviews.yaml", "-o", out .. "/nope/reviews" })
    assert.are_not.equal(0, r.code)
    assert.is_false(h.exists(out .. "/nope"))
    r = h.run({ "env", "CC=false", p .. "/bin/seqcc", "build", dir .. "/reviews.yaml",
                "-o", out .. "/broken" })
    assert.are.equal(1, r.code)
    assert.is_false(h.exists(out .. "/broken"))
  end)

  it("exports a checkpoint as seqcc export, NAME export and seqcc_export's library alike", function()
    local p, dir = installed(), built_example()
    local run = h.tmpdir() .. "/run"
    ok(h.run({ dir .. "/build/reviews", "train", "--data", dir .. "/data/reviews.tsv", "--out", run,
               "--max-steps", "3", "--threads", "1" }), "train")
    local ckpt = run .. "/checkpoint.safetensors"
    local a, b = h.tmpdir(), h.tmpdir()
    ok(h.run({ "env", "CC=" .. cc, p .. "/bin/seqcc", "export", dir .. "/reviews.yaml",
               "--checkpoint", ckpt, "-o", a, "--weights", "int8" }), "seqcc export")
    ok(h.run({ dir .. "/build/reviews", "export", "--checkpoint", ckpt, "--out", b, "--weights", "int8" }),
       "reviews export")
    assert.are.equal(h.read(b .. "/reviews_infer.c"), h.read(a .. "/reviews_infer.c"))
    assert.are.equal(h.read(b .. "/reviews_infer.h"), h.read(a .. "/reviews_infer.h"))
    -- a project of its own: seqcc_export gives it the export as a library
    local proj = h.tmpdir()
    h.write(proj .. "/CMakeLists.txt", string.format([[
cmake_minimum_required(VERSION 3.20)
project(deploy C)
find_package(seqcc REQUIRED)
seqcc_add_model(reviews %s)
seqcc_export(reviews %s WEIGHTS int8)
add_executable(use use.c)
target_link_libraries(use PRIVATE reviews::infer)
]], dir .. "/reviews.yaml", ckpt))
    h.write(proj .. "/use.c", [[
#include <stdio.h>
#include "reviews_infer.h"
static float ws[(REVIEWS_INFER_WORKSPACE_BYTES + 3) / 4];
int main(void)
{
    float p[REVIEWS_INFER_N_PROBS];
    int s = reviews_infer_text("a fine film", 11, ws, p);
    printf("%d %.6f\n", s, (double)p[0]);
    return s != REVIEWS_INFER_OK;
}
]])
    ok(h.run({ "cmake", "-S", proj, "-B", proj .. "/build", "-DCMAKE_C_COMPILER=" .. cc,
               "-DCMAKE_PREFIX_PATH=" .. p }), "configure")
    ok(h.run({ "cmake", "--build", proj .. "/build" }), "build")
    assert.are.equal(h.read(b .. "/reviews_infer.c"), h.read(proj .. "/build/seqcc/reviews_infer/reviews_infer.c"))
    local r = ok(h.run({ proj .. "/build/use" }), "use")
    assert.matches("^0 0%.%d+\n$", r.out)
    -- a checkpoint it cannot read: the binary's error, nothing written
    r = h.run({ "env", "CC=" .. cc, p .. "/bin/seqcc", "export", dir .. "/reviews.yaml",
                "--checkpoint", run .. "/none.safetensors", "-o", a .. "/no" })
    assert.are.equal(1, r.code)
    assert.is_false(h.exists(a .. "/no"))
  end)

  it("runs a binary copied elsewhere with --data", function()
    local dir = built_example()
    local elsewhere = h.tmpdir()
    ok(h.run({ "cp", dir .. "/build/reviews", elsewhere .. "/reviews" }), "copy")
    local r = h.run({ elsewhere .. "/reviews", "train", "--out", elsewhere .. "/run", "--max-steps", "2" })
    assert.are.equal(1, r.code)
    assert.matches("%-%-data", r.err)
    ok(h.run({ elsewhere .. "/reviews", "train", "--data", dir .. "/data/reviews.tsv",
               "--out", elsewhere .. "/run", "--max-steps", "2" }), "train with --data")
  end)

  it("gives a C++ program the same API", function()
    local p, dir = installed(), built_example()
    local cxx = cc:gsub("clang$", "clang++"):gsub("gcc$", "g++")
    local file = h.tmpdir() .. "/use.cpp"
    h.write(file, '#include "reviews.h"\nint main() {\n  seqcc_model *m = nullptr;\n' ..
            '  seqcc_error err;\n  return reviews_open("none.safetensors", &m, &err) == SEQCC_OK;\n}\n')
    ok(h.run({ cxx, "-fsyntax-only", "-I" .. dir .. "/build/seqcc/reviews", "-I" .. p .. "/include/seqcc",
               file }), "compile as C++")
  end)
end)
