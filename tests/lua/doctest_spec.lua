-- doctest_spec.lua: the doc tests' runner (doctest.lua) on pages written
-- here: that it can fail (a command that exits non-zero, an sh block with
-- no command, a block marked to fail that does not, a fence without a
-- language, an unknown marker, a dead link), that a missing dependency
-- skips rather than passes, and that blocks share one shell session.
local h = require("harness")
local doctest = require("doctest")

local function page(text)
  local dir = h.tmpdir()
  h.write(dir .. "/page.md", text)
  return doctest.run(dir .. "/page.md", "page.md")
end

local function fence(lang, body, marker)
  return (marker and "<!-- doc-test: " .. marker .. " -->\n" or "") .. "```" .. lang .. "\n" .. body .. "\n```\n"
end

describe("the doc-test runner", function()
  teardown(h.cleanup)

  it("passes a page whose commands succeed, in one shell session from the checkout's layout", function()
    local r = page("# A page\n\n" ..
      fence("sh", "build/compiler/seqcc summary specs/imdb_lstm.yaml | grep 'Total params: 349,057'\n" ..
                  "mkdir -p sub && cd sub\nV=42") .. "\nthen:\n\n" ..
      fence("sh", "# a comment line is not a command\ntest \"$V\" = 42 && test \"${PWD##*/}\" = sub\n" ..
                  "printf '%s\\n' \\\n  continued") ..
      fence("text", "$ not run: output") ..
      fence("sh", "scripts/main.sh", "not run: the whole job"))
    assert.are.equal("pass", r.status, r.report .. "\n" .. r.log)
    assert.are.equal(5, r.counts.commands)
    assert.are.equal(1, r.counts.not_run)
    assert.truthy(r.report:find("not run: page.md:%d+: the whole job"))
  end)

  it("fails a page with a command that exits non-zero, naming its line", function()
    local r = page(fence("sh", "true") .. fence("sh", "build/imdb_lstm trian --epochs 1\ntrue"))
    assert.are.equal("fail", r.status)
    assert.truthy(r.log:find("page.md:5: exit status 2, expected 0", 1, true), r.log)
    local r2 = page(fence("sh", "false | cat"))
    assert.are.equal("fail", r2.status, "a pipeline fails with any of its commands")
  end)

  it("fails an sh block with no command, a bare fence, a stray or unknown marker and a dead link", function()
    for _, text in ipairs({
      fence("sh", "# only a comment\n"),
      fence("", "build/imdb_lstm --help"),
      "<!-- doc-test: not run: why -->\nprose\n" .. fence("sh", "true"),
      fence("sh", "true", "sometimes"),
      fence("sh", "true", "not run:"),
      "See [the spec](docs/no-such-page.md).\n",
      fence("sh", "echo 'never closed"),
      "<!-- doc-test: not run:\n     on two lines -->\n" .. fence("sh", "true"),
    }) do
      local r = page(text)
      assert.are.equal("fail", r.status, text)
      assert.truthy(r.report:find("page.md:%d+: "), r.report)
    end
  end)

  it("wants a block marked `exits N` to exit with N", function()
    assert.are.equal("pass", page(fence("sh", "build/imdb_lstm eval --prime x", "exits 2")).status)
    local r = page(fence("sh", "build/imdb_lstm --help", "exits 2"))
    assert.are.equal("fail", r.status)
    assert.truthy(r.log:find("exit status 0, expected 2", 1, true), r.log)
  end)

  it("skips, never passes, a page with a block whose dependency is missing, and still fails it", function()
    local r = page(fence("sh", "no-such-tool --run", "needs no-such-tool") .. fence("sh", "true"))
    assert.are.equal("skip", r.status)
    assert.truthy(r.skips[1]:find("no-such-tool is not installed", 1, true))
    assert.are.equal("skip", page(fence("sh", "ls data/none", "needs data/none")).status)
    local f = page(fence("sh", "x", "needs no-such-tool") .. fence("sh", "false"))
    assert.are.equal("fail", f.status)
    local g = page(fence("sh", "build/compiler/seqcc --help", "needs build/compiler/seqcc"))
    assert.are.equal("pass", g.status)
  end)
end)
