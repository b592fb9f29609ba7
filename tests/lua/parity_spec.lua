-- parity_spec.lua: every model's f32 loss and gradients against PyTorch
-- autograd on the same parameters and batch (scripts/torch_parity.py). It
-- needs PyTorch (Debian's python3-torch) and the IMDB reviews; without
-- them it exits with status 77, which CTest reports as skipped.
local h = require("harness")

local python = "/usr/bin/python3"
local have_torch = os.execute(python .. " -c 'import torch, yaml' 2>/dev/null")
local imdb, why = h.imdb()
if not have_torch or not imdb then
  io.stderr:write("skipped: ", have_torch and why or
                  "PyTorch (python3-torch) and python3-yaml are not installed", "\n")
  os.exit(77)
end

local function models()
  local list = {}
  for _, dir in ipairs({ "specs", "tests/specs" }) do
    for _, f in ipairs(h.ls(h.source .. "/" .. dir)) do
      local name = f:match("^(.+)%.yaml$")
      if name then
        local bin = dir == "specs" and h.model(name) or h.build .. "/tests/" .. name
        list[#list + 1] = { name = name, bin = bin, spec = h.source .. "/" .. dir .. "/" .. f }
      end
    end
  end
  return list
end

describe("parity with PyTorch", function()
  teardown(h.cleanup)
  for _, m in ipairs(models()) do
    local spec = h.read(m.spec)
    if spec:find("type: global_", 1, true) then -- not in scripts/torch_parity.py yet
      pending(m.name .. ": scripts/torch_parity.py does not model global pooling yet")
    else
      it("holds for " .. m.name, function()
        local dir = h.tmpdir()
        -- IMDB models read the fetched reviews; a sine wave is generated; others
        -- read the fetched file their spec names, or (a test model's own data,
        -- beside its spec) find it themselves
        local data = imdb
        if spec:find("format: sine", 1, true) then
          data = "-"
        elseif not spec:find("format: aclimdb", 1, true) then
          local fetched = spec:match("path: [%./]*data/(%S+)")
          data = fetched and h.data .. "/" .. fetched
        end
        local function with_data(args)
          if data then
            table.insert(args, 3, "--data")
            table.insert(args, 4, data)
          end
          return args
        end
        -- a few examples of each class, the first characters of a corpus or
        -- the first rows of a series
        local limit = spec:find("kind: char-lm", 1, true) and "100000"
                      or spec:find("kind: series", 1, true) and "400" or "100"
        local r = h.run(with_data({ m.bin, "train", "--out", dir, "--limit", limit,
                                    "--max-steps", "8", "--threads", "2" }))
        assert.are.equal(0, r.code, r.err)
        local split = spec:find("kind: char-lm", 1, true) and "val" or "test"
        r = h.run(with_data({ m.bin, "grads", "--checkpoint", dir .. "/checkpoint.safetensors",
                              "--split", split, "--limit", limit, "--out",
                              dir .. "/grads.safetensors" }))
        assert.are.equal(0, r.code, r.err)
        r = h.run({ python, h.source .. "/scripts/torch_parity.py", dir .. "/checkpoint.safetensors",
                    dir .. "/grads.safetensors", "--spec", m.spec })
        assert.are.equal(0, r.code, r.out .. r.err)
        assert.matches("parity passed", r.out)
      end)
    end
  end
end)
