// Balise service-worker loader: listeners are registered synchronously (so an event can
// wake the worker) and forwarded to Rust once the wasm module is ready.
import init, { handle_event, handle_message, start_service_worker } from "./pkg/worker/balise_extension.js";

const ready = init({ module_or_path: new URL("./pkg/worker/balise_extension_bg.wasm", import.meta.url) })
  .then(() => start_service_worker());

const forward = (name, payload) => ready.then(() => handle_event(name, payload));

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready
    .then(() => handle_message(message, sender))
    .then(sendResponse, (error) => sendResponse({ type: "error", message: String(error) }));
  return true;
});
chrome.runtime.onInstalled.addListener((details) => forward("installed", details));
chrome.runtime.onStartup.addListener(() => forward("startup", null));
chrome.alarms.onAlarm.addListener((alarm) => forward("alarm", alarm));
chrome.contextMenus.onClicked.addListener((info, tab) => forward("context-menu", { info, tab }));

// The same entry the browser's events use, for the extension's own DevTools console (and
// the end-to-end tests, which reach this worker through the DevTools protocol): a native
// context menu cannot be clicked from there. Web pages cannot reach a worker's globals.
globalThis.baliseForwardEvent = forward;
