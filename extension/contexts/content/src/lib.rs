//! The wasm module of the content script: the checks and the panel: `balise-extension` with its `content` feature only, whose
//! `#[wasm_bindgen]` entry points the linker exports from this cdylib.

pub use balise_extension::*;
