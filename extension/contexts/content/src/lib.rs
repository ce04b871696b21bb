//! The wasm module of the content script: the checks and the panel: `balise-extension` with its `content` feature only, whose
//! `#[wasm_bindgen]` entry points the linker exports from this cdylib.

pub use balise_extension::*;

/// The module's allocator: talc instead of std's dlmalloc, about 4 KB less code (1.6 KB
/// gzipped) for the content script, which every compose page downloads and compiles.
// SAFETY: `TalckWasm::new_global` asks for single-threaded wasm with the allocator in sole
// control of the memory's growth: the content script's module runs on one thread (no
// wasm threads, no shared memory), and nothing else in it grows the memory (std's own
// allocator is replaced by this one; wasm-bindgen allocates through it).
#[cfg(target_family = "wasm")]
#[allow(unsafe_code)]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
