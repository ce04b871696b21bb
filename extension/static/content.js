// Balise content-script loader: instantiates the Rust bindings and hands control to Rust.
// `cargo xtask build` wraps it (xtask/src/content_script.rs) in one function with what it
// uses: `loaderStart` (`performance.now()` at the script's first line), `wasmBase64` (the
// content module's bytes) and `baliseContentGlue` (bindgen's no-modules glue), so the
// browser injects everything at once and nothing is imported or fetched (nothing
// web-accessible for a page to probe).
// Pages whose Content-Security-Policy forbids WebAssembly also block it in content scripts
// (Chromium bug 1385796); there the same Rust code runs from its pure-JS build, which the
// service worker runs in this frame on request (`load-script-engine`): it is no
// web-accessible resource either.
// Everything the start reads of `chrome.storage.local` (the settings, the paired companion
// and the policies kept: `settings::CONTENT_START_KEYS`, which a unit test compares with
// this list), asked for now, while the module compiles.
const stored = chrome.storage.local.get(["settings", "pairedWith", "pairing", "companionPolicy", "defaultPolicy"]);
// The loader runs at `document_start`: the module is decoded and compiled before the page
// is parsed (about 3 ms; `WebAssembly.compile`, off the main thread, measured 6–8 ms here
// as its answer waits behind the parser), the storage read is answered while it is parsed,
// and the start waits for the parsed document (at once when the script comes later, as
// when the worker injects it into an open tab).
const parsed = document.readyState === "loading"
  ? new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }))
  : Promise.resolve();
// The loader's own steps, for the start-up measurement (`decode=0.40 compile=…`).
const steps = [];
let last = loaderStart;
const step = (name) => {
  const now = performance.now();
  steps.push(`${name}=${(now - last).toFixed(2)}`);
  last = now;
};
(async () => {
  let glue = baliseContentGlue;
  let engine = "wasm";
  try {
    const bytes = Uint8Array.fromBase64
      ? Uint8Array.fromBase64(wasmBase64)
      : Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
    // The listener below keeps this scope alive: the bytes' text is not kept with it.
    wasmBase64 = null;
    step("decode");
    const module = new WebAssembly.Module(bytes);
    step("compile");
    await parsed;
    step("parsed");
    glue.initSync({ module });
    step("instantiate");
  } catch (error) {
    engine = "js";
    await parsed;
    step("parsed");
    const answer = await chrome.runtime.sendMessage({ type: "load-script-engine" });
    glue = globalThis.baliseContentEngine;
    if (!glue) throw new Error(`the pure-JS build did not load: ${answer?.message ?? "no answer"}`);
  }
  chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    glue.handle_tab_message(message).then(sendResponse, (error) => sendResponse({ error: String(error) }));
    return true;
  });
  glue.start_content_script(engine, loaderStart, steps.join(" "), stored);
})().catch((error) => console.error("Balise:", error));
