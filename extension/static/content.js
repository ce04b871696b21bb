// Balise content-script loader: imports the Rust bindings and hands control to Rust.
// Pages whose Content-Security-Policy forbids WebAssembly also block it in content scripts
// (Chromium bug 1385796); there the same Rust code runs from its pure-JS build (pkg-js/).
// A page can get it twice (a pairing page on an enabled host; the popup's "yes" on a page
// the registration then also covers): the second run stops here. This global lives in the
// extension's isolated world, out of the page's sight.
(async () => {
  if (globalThis.baliseContentScript) return;
  globalThis.baliseContentScript = true;
  const loaderStart = performance.now();
  let glue;
  let engine = "wasm";
  try {
    glue = await import(chrome.runtime.getURL("pkg/content/balise_extension.js"));
    await glue.default({ module_or_path: chrome.runtime.getURL("pkg/content/balise_extension_bg.wasm") });
  } catch (error) {
    engine = "js";
    glue = await import(chrome.runtime.getURL("pkg-js/balise_extension.js"));
  }
  chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    glue.handle_tab_message(message).then(sendResponse, (error) => sendResponse({ error: String(error) }));
    return true;
  });
  glue.start_content_script(engine, loaderStart);
})().catch((error) => console.error("Balise:", error));
