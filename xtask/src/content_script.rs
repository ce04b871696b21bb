//! Assembles the content script, `content.js`: the loader (`extension/static/content.js`)
//! with the content module's bindgen glue (`--target no-modules`) and the module's bytes
//! (base64) in the one classic script the browser injects. Nothing is then loaded at run
//! time: no `import()` of the glue, no `fetch` of the wasm, so nothing of the content
//! script needs to be web-accessible (nothing a page could probe).

/// The global the no-modules glue defines (`let baliseContentGlue = …`), which the loader
/// initializes and calls.
pub const GLUE_GLOBAL: &str = "baliseContentGlue";

/// The assembled content script: in one function scope, the loader's start time first,
/// then the guard against a second injection in the same frame, the module's bytes as a
/// base64 string (`wasmBase64`, which the loader drops once decoded), the glue, and the
/// loader.
pub fn assemble(glue: &str, wasm: &[u8], loader: &str) -> String {
    let encoded = base64(wasm);
    let mut script = String::with_capacity(encoded.len() + glue.len() + loader.len() + 1_024);
    script.push_str(
        "// Balise content script, assembled by `cargo xtask build` (xtask/src/content_script.rs)\n\
         // from extension/static/content.js, the content module's bindgen glue and its bytes.\n\
         (() => {\n\
         const loaderStart = performance.now();\n\
         // A page can get it twice (a pairing page on an enabled host; the popup's \"yes\" on a\n\
         // page the registration then also covers): the second run stops here. This global\n\
         // lives in the extension's isolated world, out of the page's sight.\n\
         if (globalThis.baliseContentScript) return;\n\
         globalThis.baliseContentScript = true;\n\
         let wasmBase64 = \"",
    );
    script.push_str(&encoded);
    script.push_str("\";\n");
    script.push_str(glue);
    script.push('\n');
    script.push_str(loader);
    script.push_str("\n})();\n");
    script
}

/// Standard base64 with padding, as `Uint8Array.fromBase64` and `atob` read it.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_with_padding() {
        // RFC 4648's test vectors.
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
        // Round trip through the manifest's decoder.
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(
            crate::manifest::base64_free::decode_base64(&base64(&bytes)),
            bytes
        );
    }

    #[test]
    fn the_script_starts_its_clock_then_guards_then_defines_bytes_glue_and_loader() {
        let script = assemble("let baliseContentGlue = 1;", b"\0asm", "baliseContentGlue;");
        let clock = script.find("const loaderStart").expect("clock");
        let guard = script
            .find("if (globalThis.baliseContentScript) return;")
            .expect("guard");
        let bytes = script
            .find("let wasmBase64 = \"AGFzbQ==\";")
            .expect("bytes");
        let glue = script.find("let baliseContentGlue = 1;").expect("glue");
        let loader = script.rfind("baliseContentGlue;").expect("loader");
        assert!(clock < guard && guard < bytes && bytes < glue && glue < loader);
        assert!(script.trim_end().ends_with("})();"));
    }
}
