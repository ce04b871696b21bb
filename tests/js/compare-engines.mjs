// Runs the same drafts through the wasm build and the pure-JS build (pkg-js/) of the
// extension and prints both analyses as JSON lines: {"text": n, "wasm": ..., "js": ...}.
// Usage: node compare-engines.mjs <extension dir> <policy.json> <drafts.json>
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [dir, policyPath, draftsPath] = process.argv.slice(2);
const policy = readFileSync(policyPath, "utf8");
const drafts = JSON.parse(readFileSync(draftsPath, "utf8"));

const wasmGlue = await import(pathToFileURL(join(dir, "pkg/content/balise_extension.js")));
wasmGlue.initSync({ module: readFileSync(join(dir, "pkg/content/balise_extension_bg.wasm")) });
const jsGlue = await import(pathToFileURL(join(dir, "pkg-js/balise_extension.js")));

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
