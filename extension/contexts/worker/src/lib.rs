//! The wasm module of the service worker: capture, outbox and companion client: `balise-extension` with its `worker` feature only, whose
//! `#[wasm_bindgen]` entry points the linker exports from this cdylib.

pub use balise_extension::*;
