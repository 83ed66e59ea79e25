// The first-load JavaScript budget: what a browser must download and run before
// the first page shows (the entry chunk and every chunk it imports statically),
// gzipped, at most 60 KB. Chunks loaded with import() (hls.js) do not count, and
// hls.js must be one of those. The test builds the app into a temporary folder with
// Vite's manifest, so it measures exactly what `npm run build` ships.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BUDGET = 60 * 1024;

test("first-load JavaScript is within 60 KB gzipped", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "civicq-web-size-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  await build({ root: web, logLevel: "warn", build: { outDir: out, emptyOutDir: true, manifest: "manifest.json" } });
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));

  const entries = Object.entries(manifest).filter(([, c]) => c.isEntry);
  assert.equal(entries.length, 1, "one entry chunk (index.html)");
  // The entry and its static imports, transitively.
  const first = new Set();
  const visit = (key) => {
    const c = manifest[key];
    if (!c || first.has(c.file)) return;
    first.add(c.file);
    for (const k of c.imports ?? []) visit(k);
  };
  visit(entries[0][0]);

  let total = 0;
  const rows = [];
  for (const file of first) {
    if (!file.endsWith(".js")) continue;
    const bytes = gzipSync(readFileSync(join(out, file)), { level: 9 }).length;
    total += bytes;
    rows.push(`  ${file}: ${bytes} bytes gzipped`);
  }
  const lazy = Object.values(manifest)
    .filter((c) => c.isDynamicEntry)
    .map((c) => `  ${c.file} (loaded on demand): ${gzipSync(readFileSync(join(out, c.file)), { level: 9 }).length} bytes gzipped`);
  const css = (entries[0][1].css ?? []).map((f) => `  ${f}: ${gzipSync(readFileSync(join(out, f)), { level: 9 }).length} bytes gzipped`);
  console.log(
    [`first-load JS: ${total} bytes gzipped (${(total / 1024).toFixed(1)} KB of the ${BUDGET / 1024} KB budget)`, ...rows, ...lazy, "CSS:", ...css].join(
      "\n",
    ),
  );

  // hls.js is downloaded only by pages that play video.
  const hlsKeys = Object.keys(manifest).filter((k) => k.includes("node_modules/hls.js"));
  assert.ok(hlsKeys.length > 0, "hls.js is in the build (the video player imports it)");
  for (const k of hlsKeys) {
    assert.ok(!first.has(manifest[k].file), `hls.js (${manifest[k].file}) is part of the first load`);
    assert.equal(manifest[k].isDynamicEntry, true, `${k} is loaded with import()`);
  }
  assert.ok(total <= BUDGET, `first-load JS is ${total} bytes gzipped, over the ${BUDGET}-byte budget`);
});
