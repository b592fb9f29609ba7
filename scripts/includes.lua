-- includes.lua: the compiler's and the runtime's layers, from their include
-- lines, and the circles between their files, from a build's objects.
--
--   lua5.4 scripts/includes.lua [--files] [--check] [--objects BUILD] [--root DIR]
--
-- Prints each tree's folders bottom up, with what each includes (--files: and
-- every file's includes). A folder may include only folders declared below it
-- in LAYERS, and a top-level file of the runtime is a layer of its own.
-- `#include "x.h"` is looked up as C does: beside the including file, then in
-- the tree's include roots (the compiler also sees the runtime's).
--
-- With --objects, the files' own dependencies too: file A depends on file B
-- when A's object calls a function that B's defines (nm, over the libraries
-- and the compiler in BUILD); there must be no circle of them. Tables are
-- not calls: the pipeline reaches each layer and data kind through its
-- table (compiler/layers/table.c), and the kinds call the pipeline. --check exits 1
-- on a circle or an arrow that runs back up.

local LAYERS = {
  -- The runtime, bottom first; a folder may include the ones before it.
  runtime = {
    "seqcc.h",  -- the C API users call: it includes nothing
    "base",     -- errors, allocation, UTF-8, SHA-256, the RNG, the model's descriptor
    "dist",     -- MPI
    "kernels",  -- the operations generated code calls, products, vector math, threads
    "store",    -- JSON, safetensors
    "data",     -- CSV, tokenizer, characters, word vectors, one file per data kind
    "train",    -- a run, the training loop, Adam, initializers, checkpoints, progress
    "onnx",     -- ONNX files: a model's prediction graph written with protobuf-c
    "api",      -- the C API over a compiled model
    "cli",      -- the model binary's commands
    "seqrt.h",  -- all that generated code includes
  },
  -- The compiler: the pipeline at its root; the kinds plug into its headers.
  compiler = { ".", "export", "layers", "data" },
}

local ROOTS = { runtime = { "runtime" }, compiler = { "compiler", "runtime" } }

-- Paths are the checkout's (this script's folder's parent, or --root DIR),
-- printed relative to it.
local CHECKOUT = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/.."

local function sh_lines(cmd)
  local p = assert(io.popen(cmd))
  local out = {}
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

local function exists(path)
  local f = io.open(CHECKOUT .. "/" .. path, "rb")
  if f then f:close() return true end
  return false
end

local function dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

local function normalize(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." and #parts > 0 and parts[#parts] ~= ".." then
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return table.concat(parts, "/")
end

local function count_lines(path)
  local n = 0
  for _ in io.lines(CHECKOUT .. "/" .. path) do n = n + 1 end
  return n
end

-- The files of TREE (relative to the checkout) and their quoted includes,
-- resolved to files of the checkout (others: generated or system, left out).
local function scan(tree)
  local files = sh_lines("cd '" .. CHECKOUT .. "' && find " .. tree .. "/ -name '*.[ch]' | LC_ALL=C sort")
  local includes = {}
  for _, file in ipairs(files) do
    local list = {}
    local n = 0
    for line in io.lines(CHECKOUT .. "/" .. file) do
      n = n + 1
      local name = line:match('^%s*#%s*include%s*"([^"]+)"')
      if name then
        local found
        for _, dir in ipairs({ dirname(file), table.unpack(ROOTS[tree]) }) do
          local candidate = normalize(dir .. "/" .. name)
          if exists(candidate) then found = candidate break end
        end
        if found then list[#list + 1] = { file = found, line = n } end
      end
    end
    includes[file] = list
  end
  return files, includes
end

-- The folder of FILE inside TREE: "." for the tree's own top.
local function folder_of(tree, file)
  local rel = file:sub(#tree + 2)
  local folder = rel:match("^([^/]+)/")
  if folder then return folder end
  for _, layer in ipairs(LAYERS[tree]) do
    if layer == rel then return rel end
  end
  return "."
end

-- Strongly connected components of GRAPH (node -> set of nodes), Tarjan's.
local function circles(nodes, graph)
  local index, low, on, stack, out, next_index = {}, {}, {}, {}, {}, 0
  local function visit(v)
    index[v], low[v] = next_index, next_index
    next_index = next_index + 1
    stack[#stack + 1] = v
    on[v] = true
    local succ = {}
    for w in pairs(graph[v] or {}) do succ[#succ + 1] = w end
    table.sort(succ)
    for _, w in ipairs(succ) do
      if not index[w] then
        visit(w)
        low[v] = math.min(low[v], low[w])
      elseif on[w] then
        low[v] = math.min(low[v], index[w])
      end
    end
    if low[v] == index[v] then
      local scc = {}
      repeat
        local w = table.remove(stack)
        on[w] = nil
        scc[#scc + 1] = w
      until w == v
      if #scc > 1 then
        table.sort(scc)
        out[#out + 1] = scc
      end
    end
  end
  for _, v in ipairs(nodes) do
    if not index[v] then visit(v) end
  end
  return out
end

local function check_tree(tree, opts)
  local files, includes = scan(tree)
  local problems = {}
  local folder_graph, folder_lines, folder_files = {}, {}, {}
  local rank = {}
  for i, f in ipairs(LAYERS[tree]) do rank[f] = i end

  for _, file in ipairs(files) do
    local from = folder_of(tree, file)
    if not rank[from] then
      problems[#problems + 1] = string.format("%s: folder %s/%s is not in includes.lua's LAYERS",
                                              file, tree, from)
      rank[from] = 0
    end
    folder_lines[from] = (folder_lines[from] or 0) + count_lines(file)
    folder_files[from] = (folder_files[from] or 0) + 1
    folder_graph[from] = folder_graph[from] or {}
    for _, inc in ipairs(includes[file]) do
      if inc.file:sub(1, #tree + 1) == tree .. "/" then
        local to = folder_of(tree, inc.file)
        if to ~= from then
          folder_graph[from][to] = true
          if rank[to] and rank[to] >= rank[from] then
            problems[#problems + 1] = string.format(
              "%s:%d: includes %s: %s/%s may not include %s/%s (LAYERS in scripts/includes.lua)",
              file, inc.line, inc.file, tree, from, tree, to)
          end
        end
      end
    end
  end

  -- Headers including each other (guards make it compile, not readable).
  local header_graph, headers = {}, {}
  for _, file in ipairs(files) do
    if file:match("%.h$") then
      headers[#headers + 1] = file
      header_graph[file] = {}
      for _, inc in ipairs(includes[file]) do header_graph[file][inc.file] = true end
    end
  end
  for _, scc in ipairs(circles(headers, header_graph)) do
    problems[#problems + 1] = "headers that include each other: " .. table.concat(scc, " ")
  end

  -- Layers: a folder's level is one above the highest folder it includes.
  local level = {}
  local function level_of(f, depth)
    if level[f] then return level[f] end
    if depth > 64 then return 0 end
    local l = 0
    for g in pairs(folder_graph[f] or {}) do l = math.max(l, level_of(g, depth + 1) + 1) end
    level[f] = l
    return l
  end
  local folders = {}
  for f in pairs(folder_graph) do folders[#folders + 1] = f level_of(f, 0) end
  table.sort(folders, function(a, b) return (rank[a] or 0) < (rank[b] or 0) end)
  print(string.format("%s/: %d files, folders in their declared order, bottom first, with their depth in the include graph",
                      tree, #files))
  for _, f in ipairs(folders) do
    local deps = {}
    for g in pairs(folder_graph[f]) do deps[#deps + 1] = g end
    table.sort(deps, function(a, b) return (rank[a] or 0) < (rank[b] or 0) end)
    print(string.format("  %d  %-9s %3d files %6d lines   includes: %s", level[f],
                        f == "." and "(top)" or f:match("%.h$") and f or f .. "/", folder_files[f], folder_lines[f],
                        #deps > 0 and table.concat(deps, " ") or "-"))
  end
  if opts.files then
    for _, file in ipairs(files) do
      local names = {}
      for _, inc in ipairs(includes[file]) do names[#names + 1] = inc.file end
      print(string.format("    %s: %s", file, table.concat(names, " ")))
    end
  end
  return problems
end

-- The files' dependencies by symbol, from the objects of BUILD's libraries
-- and compiler: CMake keeps SOURCE's object as TARGET.dir/SOURCE.o.
local OBJECT_TARGETS = { runtime = { "seqrt", "seqrt_f32", "seqrt_f64", "sequtil" },
                         compiler = { "seqcc" } }

local function check_objects(tree, build)
  local defined, used = {}, {}
  local nodes, seen = {}, {}
  for _, target in ipairs(OBJECT_TARGETS[tree]) do
    local dir = build .. "/" .. tree .. "/CMakeFiles/" .. target .. ".dir"
    for _, obj in ipairs(sh_lines("cd '" .. dir .. "' 2>/dev/null && find . -name '*.c.o' | LC_ALL=C sort")) do
      local source = tree .. "/" .. obj:gsub("^%./", ""):gsub("%.o$", "")
      if exists(source) then
        if not seen[source] then seen[source] = true nodes[#nodes + 1] = source end
        used[source] = used[source] or {}
        for _, line in ipairs(sh_lines("nm '" .. dir .. "/" .. obj .. "'")) do
          local kind, name = line:match("^%x*%s+(%a)%s+(%S+)$")
          if kind == "U" then
            used[source][name] = true
          elseif kind == "T" then
            defined[name] = defined[name] or {}
            defined[name][source] = true
          end
        end
      end
    end
  end
  if #nodes == 0 then
    return { string.format("--objects %s: no objects of %s/ (build it first)", build, tree) }
  end
  local graph, why = {}, {}
  for _, a in ipairs(nodes) do
    graph[a] = {}
    for name in pairs(used[a]) do
      for b in pairs(defined[name] or {}) do
        if b ~= a then
          graph[a][b] = true
          why[a .. " " .. b] = why[a .. " " .. b] or name
        end
      end
    end
  end
  local problems = {}
  for _, scc in ipairs(circles(nodes, graph)) do
    local lines = {}
    for _, a in ipairs(scc) do
      for _, b in ipairs(scc) do
        if graph[a][b] then lines[#lines + 1] = "  " .. a .. " calls " .. why[a .. " " .. b] .. " of " .. b end
      end
    end
    problems[#problems + 1] = "a circle of files: " .. table.concat(scc, " ") .. "\n" .. table.concat(lines, "\n")
  end
  print(string.format("%s/: %d files in %s's objects, %s", tree, #nodes, build,
                      #problems == 0 and "no circle" or #problems .. " circles"))
  return problems
end

local opts = {}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--check" then opts.check = true
  elseif a == "--files" then opts.files = true
  elseif a == "--objects" and arg[i + 1] then opts.objects = arg[i + 1] i = i + 1
  elseif a == "--root" and arg[i + 1] then CHECKOUT = arg[i + 1] i = i + 1
  else
    io.stderr:write("usage: lua5.4 scripts/includes.lua [--files] [--check] [--objects BUILD] [--root DIR]\n")
    os.exit(2)
  end
  i = i + 1
end

local ok = true
for _, tree in ipairs({ "runtime", "compiler" }) do
  local problems = check_tree(tree, opts)
  if opts.objects then
    for _, p in ipairs(check_objects(tree, opts.objects)) do problems[#problems + 1] = p end
  end
  for _, p in ipairs(problems) do
    io.stderr:write(p .. "\n")
    ok = false
  end
end
if opts.check and not ok then os.exit(1) end
