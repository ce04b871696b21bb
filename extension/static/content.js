// Balise content-script loader: imports the wasm bindings and hands control to Rust.
(async () => {
  const glue = await import(chrome.runtime.getURL("pkg/balise_extension.js"));
  await glue.default({ module_or_path: chrome.runtime.getURL("pkg/balise_extension_bg.wasm") });
  chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    glue.handle_tab_message(message).then(sendResponse, (error) => sendResponse({ error: String(error) }));
    return true;
  });
  glue.start_content_script();
})().catch((error) => console.error("Balise:", error));
