"use strict";

// The committed types are what openapi-typescript makes of the published document now: regenerate and compare.
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { test } = require("node:test");

test("types/api.d.ts is generated from the current OpenAPI document (make clients-types)", () => {
  const document = process.env.MC_OPENAPI;
  assert.ok(document, "MC_OPENAPI: run through `make clients-test`");
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mc-types-")), "api.d.ts");
  const cli = path.join(__dirname, "..", "node_modules", ".bin", "openapi-typescript");
  execFileSync(cli, [document, "-o", out], { stdio: "pipe" });
  const committed = fs.readFileSync(path.join(__dirname, "..", "types", "api.d.ts"), "utf8");
  assert.ok(fs.readFileSync(out, "utf8") === committed, "types/api.d.ts is stale: run `make clients-types`");
});
