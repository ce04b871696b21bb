// Balise popup loader: the popup itself is rendered by Rust.
import init, { start_popup } from "./pkg/pages/balise_extension.js";

await init({ module_or_path: new URL("./pkg/pages/balise_extension_bg.wasm", import.meta.url) });
await start_popup();
