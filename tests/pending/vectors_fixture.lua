-- -> tests/lua/harness.lua (as M.write_vectors)
-- A small vectors file for a test, written where the test wants it (never
-- committed): WORDS (a list) each with DIM values, distinct per word and
-- exactly representable ((i * 7 + k * 3) % 11 - 5) / 8, one word per line in
-- the GloVe text format. OPTS: header = true for word2vec's "COUNT DIM"
-- first line; bad_line = N to give the N-th vector DIM - 1 values (the
-- file:line error of a wrong width; with the header, that is line N + 1).
-- Returns the vectors, by word, as the model should hold them.
local function write_vectors(path, words, dim, opts)
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
  local f = assert(io.open(path, "wb"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  return vectors
end

return write_vectors
