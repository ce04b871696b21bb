//! The wasm module of the extension's pages: options, welcome and popup: `balise-extension` with its `pages` feature only, whose
//! `#[wasm_bindgen]` entry points the linker exports from this cdylib.

pub use balise_extension::*;
