// Runs the same drafts through the wasm build and the pure-JS build (pkg-js/) of the
// extension and prints both analyses as JSON lines: {"text": n, "wasm": ..., "js": ...}.
// Usage: node compare-engines.mjs <extension dir> <policy.json> <drafts.json>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInThisContext } from "node:vm";

const [dir, policyPath, draftsPath] = process.argv.slice(2);
const policy = readFileSync(policyPath, "utf8");
const drafts = JSON.parse(readFileSync(draftsPath, "utf8"));

// The wasm build as `content.js` carries it (`cargo xtask build` assembles that file from
// these two): bindgen's no-modules glue, a classic script defining `baliseContentGlue`,
// and the module's bytes, in the build's work directory beside the extension's.
const content = join(dir, "..", ".work", "pkg", "content");
const glue = join(content, "balise_extension.js");
runInThisContext(`${readFileSync(glue, "utf8")}\nglobalThis.baliseContentGlue = baliseContentGlue;`, {
  filename: glue,
});
const wasmGlue = globalThis.baliseContentGlue;
wasmGlue.initSync({ module: readFileSync(join(content, "balise_extension_bg.wasm")) });
// The pure-JS build is one classic script defining `baliseContentEngine`, as the service
// worker runs it in a content script's isolated world.
const bundle = join(dir, "pkg-js/balise_content.js");
runInThisContext(readFileSync(bundle, "utf8"), { filename: bundle });
const jsGlue = globalThis.baliseContentEngine;

drafts.forEach((text, index) => {
  const run = (glue) => {
    try {
      return JSON.parse(glue.analyze_json(policy, text));
    } catch (error) {
      return { error: String(error) };
    }
  };
  console.log(JSON.stringify({ text: index, wasm: run(wasmGlue), js: run(jsGlue) }));
});
