-- harness.lua: what the end-to-end tests share: where things are (from the
-- environment CTest sets), running commands, temporary folders, files.
local M = {}

local function env(name)
  local v = os.getenv(name)
  if not v or v == "" then
    error(name .. " is not set; run the tests through ctest", 2)
  end
  return v
end

M.source = env("SEQCC_SOURCE")   -- the checkout
M.build = env("SEQCC_BUILD")     -- the build tree
M.seqcc = M.build .. "/compiler/seqcc"
M.data = os.getenv("SEQCC_DATA") or (M.source .. "/data")

function M.model(name)
  return M.build .. "/" .. name
end

function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
M.read = slurp

function M.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function M.exists(path)
  return os.execute("test -e " .. M.quote(path)) == true
end

local tmp_root
function M.tmpdir()
  if not tmp_root then
    local p = io.popen("mktemp -d " .. M.quote((os.getenv("TMPDIR") or "/tmp") .. "/seqcc-test-XXXXXX"))
    tmp_root = p:read("l")
    p:close()
  end
  local p = io.popen("mktemp -d " .. M.quote(tmp_root .. "/XXXXXX"))
  local dir = p:read("l")
  p:close()
  return dir
end

-- Runs ARGS (a list of words, quoted here) with optional STDIN text; returns
-- { code = exit status, out = stdout, err = stderr }.
function M.run(args, stdin)
  local dir = M.tmpdir()
  local words = {}
  for i, a in ipairs(args) do words[i] = M.quote(a) end
  local cmd = table.concat(words, " ")
  if stdin then
    M.write(dir .. "/stdin", stdin)
    cmd = cmd .. " < " .. M.quote(dir .. "/stdin")
  else
    cmd = cmd .. " < /dev/null"
  end
  cmd = cmd .. " > " .. M.quote(dir .. "/out") .. " 2> " .. M.quote(dir .. "/err")
  local ok, how, code = os.execute(cmd)
  if how == "signal" then code = 128 + code end
  return { code = ok and 0 or code, out = slurp(dir .. "/out") or "", err = slurp(dir .. "/err") or "" }
end

-- Lists a folder's entries (names), sorted.
function M.ls(dir)
  local p = io.popen("ls -A " .. M.quote(dir) .. " 2>/dev/null")
  local names = {}
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  table.sort(names)
  return names
end

-- What DIR holds: names, contents and (one stat for all) modification times
-- and sizes, the folder's own too, which a temporary file created and
-- removed would bump.
function M.snapshot(dir)
  local t, stat = { files = {} }, { "stat", "-c", "%n %y %s", dir }
  for _, name in ipairs(M.ls(dir)) do
    t.files[name] = slurp(dir .. "/" .. name)
    stat[#stat + 1] = dir .. "/" .. name
  end
  t.times = M.run(stat).out
  return t
end

-- The data the real-data tests need, or nil and why not.
function M.imdb()
  local root = M.data .. "/aclImdb"
  if M.exists(root .. "/train/pos") then return root end
  return nil, root .. " is missing: run scripts/fetch-data.sh"
end

function M.cleanup()
  if tmp_root then os.execute("rm -rf " .. M.quote(tmp_root)) end
  tmp_root, prefix = nil, nil
end

-- seqcc installed (`cmake --install`) into a temporary prefix, once per test
-- file; returns the prefix.
local prefix
function M.installed()
  if not prefix then
    local dir = M.tmpdir() .. "/prefix"
    local r = M.run({ "cmake", "--install", M.build, "--prefix", dir })
    assert(r.code == 0, "cmake --install:\n" .. r.out .. r.err)
    prefix = dir
  end
  return prefix
end

-- A small vectors file for a test, written where the test wants it (never
-- committed): WORDS (a list) each with DIM values, distinct per word and
-- exactly representable ((i * 7 + k * 3) % 11 - 5) / 8, one word per line in
-- the GloVe text format. OPTS: header = true for word2vec's "COUNT DIM"
-- first line; bad_line = N to give the N-th vector DIM - 1 values (the
-- file:line error of a wrong width; with the header, that is line N + 1).
-- Returns the vectors, by word, as the model should hold them.
function M.write_vectors(path, words, dim, opts)
  opts = opts or {}
  local lines, vectors = {}, {}
  if opts.header then lines[1] = #words .. " " .. dim end
  for i, word in ipairs(words) do
    local values = {}
    local n = i == opts.bad_line and dim - 1 or dim
    for k = 1, n do values[k] = ((i * 7 + k * 3) % 11 - 5) / 8 end
    vectors[word] = values
    lines[#lines + 1] = word .. " " .. table.concat(values, " ")
  end
  M.write(path, table.concat(lines, "\n") .. "\n")
  return vectors
end

-- Ends the test file as skipped (exit 77, which CTest's SKIP_RETURN_CODE
-- reports), saying WHY.
function M.skip(why)
  io.stderr:write("skipped: ", why, "\n")
  os.exit(77)
end

-- Skips unless this build has ONNX (SEQCC_ONNX, set by tests/CMakeLists.txt).
function M.need_onnx()
  if os.getenv("SEQCC_ONNX") ~= "1" then M.skip("seqcc was built without ONNX (SEQCC_ONNX)") end
end

-- The specs of specs/ by name, sorted; under the sanitizers only three (one
-- of each data kind: imdb_lstm, sine_lstm, hamlet_charlm), the binaries
-- being slow there.
function M.seed_specs()
  local sanitize = os.getenv("SEQCC_SANITIZE") == "1"
  local names = {}
  local p = io.popen("ls " .. M.quote(M.source .. "/specs"))
  for f in p:lines() do
    local n = f:match("^(.-)%.yaml$")
    if n and (not sanitize or n == "imdb_lstm" or n == "sine_lstm" or n == "hamlet_charlm") then
      names[#names + 1] = n
    end
  end
  p:close()
  return names
end

-- A checkpoint of NAME after two steps (KIND "char-lm", "series" or a text
-- kind): weights that are not the initial ones, made in seconds.
function M.short_checkpoint(name, kind)
  local run = M.tmpdir()
  local args = { M.model(name), "train", "--out", run, "--max-steps", "2", "--threads", "1" }
  if kind ~= "series" then
    args[#args + 1] = "--limit"
    args[#args + 1] = kind == "char-lm" and "60000" or "40"
  end
  local r = M.run(args)
  assert(r.code == 0, name .. ": " .. r.out .. r.err)
  return run .. "/checkpoint.safetensors"
end

-- 1,000 IMDB test reviews, one a line (the first 500 of each class).
local reviews
function M.review_lines()
  if reviews then return reviews end
  local lines = {}
  for _, class in ipairs({ "pos", "neg" }) do
    local dir = M.data .. "/aclImdb/test/" .. class
    local p = io.popen("ls " .. M.quote(dir) .. " | sort | head -500")
    for f in p:lines() do
      lines[#lines + 1] = (slurp(dir .. "/" .. f):gsub("[\r\n]", " "))
    end
    p:close()
  end
  reviews = table.concat(lines, "\n") .. "\n"
  return reviews
end

-- 200 windows of T rows of F values, one a line (comma-separated), of three
-- magnitudes; and how far a forecast A that predict printed (6 significant
-- digits) may be from B.
function M.series_windows(T, F)
  math.randomseed(7)
  local lines = {}
  for i = 1, 200 do
    local v = {}
    local base = ({ 1, 100, 1000 })[i % 3 + 1]
    for k = 1, T * F do v[k] = string.format("%.4f", base * (0.5 + math.random())) end
    lines[i] = table.concat(v, ",")
  end
  return table.concat(lines, "\n") .. "\n"
end

function M.forecast_close(a, b)
  local tol = 1e-5 * math.max(1, math.abs(a)) + 0.5 * 10 ^ (math.floor(math.log(math.abs(a) + 1e-30, 10)) - 5)
  return math.abs(a - b) <= tol
end

return M
