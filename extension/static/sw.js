// Balise service-worker loader: listeners are registered synchronously (so a message can
// wake the worker) and forwarded to Rust once the wasm module is ready.
import init, { handle_message, start_service_worker } from "./pkg/balise_extension.js";

const ready = init({ module_or_path: new URL("./pkg/balise_extension_bg.wasm", import.meta.url) })
  .then(() => start_service_worker());

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  ready
    .then(() => handle_message(message))
    .then(sendResponse, (error) => sendResponse({ type: "error", message: String(error) }));
  return true;
});
