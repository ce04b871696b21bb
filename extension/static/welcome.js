// Balise welcome-page loader: the page itself (the options' form) is rendered by Rust.
import init, { start_welcome_page } from "./pkg/pages/balise_extension.js";

await init({ module_or_path: new URL("./pkg/pages/balise_extension_bg.wasm", import.meta.url) });
await start_welcome_page();
