//! Short names for the imports and exports between a module and its wasm-bindgen glue.
//!
//! wasm-bindgen names each import after its binding and a 16-digit hash
//! (`__wbg_appendChild_7465eba84213c75f`), under the module `./balise_extension_bg.js`, and
//! each closure's export after its full type (up to 300 characters). The hashes do not
//! compress: about 3.5 KB of the content module's 111 KB gzipped were these names. The glue
//! is the only code that uses them (it builds the import object and calls `wasm.<export>`),
//! so both are renamed together, as a minifier renames a closed world's properties:
//! imports become `a`, `b`, … `aa`, … of module `a`, exports reached as `wasm.<name>` the
//! same. Every name must be found where the glue's shape says it is, once; anything else
//! stops the build, so a wasm-bindgen whose glue looks different cannot ship half-renamed.

use anyhow::{Context, Result, bail};

/// The import module's new name.
const MODULE: &str = "a";

/// The import section's id.
const IMPORT_SECTION: u8 = 2;
/// The export section's id.
const EXPORT_SECTION: u8 = 7;
/// An import's or export's kind: a function.
const KIND_FUNCTION: u8 = 0;

/// `wasm` and `glue` with short import and export names. The module's other sections are
/// copied byte for byte; `memory` keeps its name (people reading a heap snapshot look for it).
pub fn shorten(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String)> {
    let mut glue = glue.to_owned();
    let mut out = Vec::with_capacity(wasm.len());
    let header = wasm
        .get(..8)
        .context("not a wasm module: shorter than its header")?;
    if header != b"\0asm\x01\0\0\0" {
        bail!("not a wasm module (version 1): its header is {header:?}");
    }
    out.extend_from_slice(header);
    let mut reader = Reader::new(wasm, 8);
    while !reader.done() {
        let id = reader.byte()?;
        let size = reader.u32()? as usize;
        let body = reader.bytes(size)?;
        let body = match id {
            IMPORT_SECTION => rename_imports(body, &mut glue)?,
            EXPORT_SECTION => rename_exports(body, &mut glue)?,
            _ => body.to_vec(),
        };
        out.push(id);
        push_u32(&mut out, body.len())?;
        out.extend_from_slice(&body);
    }
    Ok((out, glue))
}

/// The import section with every function imported from one module under a short name,
/// and the glue's import object to match.
fn rename_imports(body: &[u8], glue: &mut String) -> Result<Vec<u8>> {
    let mut reader = Reader::new(body, 0);
    let count = reader.u32()?;
    let mut out = Vec::with_capacity(body.len() / 4);
    push_u32(&mut out, count as usize)?;
    let mut module_seen: Option<String> = None;
    for index in 0..count as usize {
        let module = reader.name()?;
        let field = reader.name()?;
        let kind = reader.byte()?;
        if kind != KIND_FUNCTION {
            bail!("import `{module}`.`{field}` is not a function (kind {kind}): not renamed");
        }
        let type_index = reader.u32()?;
        match &module_seen {
            None => {
                // The glue's import object: `"<module>": import0`.
                replace_once(
                    glue,
                    &format!("\"{module}\": import0"),
                    &format!("\"{MODULE}\": import0"),
                )
                .with_context(|| format!("the glue's import object for `{module}`"))?;
                module_seen = Some(module.to_owned());
            }
            Some(seen) if seen == module => {}
            Some(seen) => bail!("imports from two modules (`{seen}`, `{module}`): not renamed"),
        }
        let short = short_name(index);
        // The import object's key: `<indent><field>: function…`, on a line of its own.
        let at = only_word(glue, field).with_context(|| format!("import `{field}` in the glue"))?;
        if !glue[..at].ends_with(' ') || !glue[at + field.len()..].starts_with(": ") {
            bail!("import `{field}` is not a key of the glue's import object");
        }
        glue.replace_range(at..at + field.len(), &short);
        push_name(&mut out, MODULE)?;
        push_name(&mut out, &short)?;
        out.push(KIND_FUNCTION);
        push_u32(&mut out, type_index as usize)?;
    }
    if !reader.done() {
        bail!("the import section has bytes after its {count} imports");
    }
    Ok(out)
}

/// The export section with every export the glue reaches as `wasm.<name>` under a short
/// name (but `memory`), and the glue to match.
fn rename_exports(body: &[u8], glue: &mut String) -> Result<Vec<u8>> {
    let mut reader = Reader::new(body, 0);
    let count = reader.u32()?;
    let mut exports = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let name = reader.name()?.to_owned();
        let kind = reader.byte()?;
        let index = reader.u32()?;
        exports.push((name, kind, index));
    }
    if !reader.done() {
        bail!("the export section has bytes after its {count} exports");
    }
    let mut next = 0;
    let mut out = Vec::with_capacity(body.len() / 4);
    push_u32(&mut out, exports.len())?;
    for (name, kind, index) in &exports {
        let reached = format!("wasm.{name}");
        let places = word_positions(glue, &reached);
        let mut new_name = name.clone();
        if name != "memory" && !places.is_empty() {
            // A short name no kept export already has.
            loop {
                new_name = short_name(next);
                next += 1;
                if !exports.iter().any(|(kept, _, _)| *kept == new_name) {
                    break;
                }
            }
            for at in places.into_iter().rev() {
                glue.replace_range(at + "wasm.".len()..at + reached.len(), &new_name);
            }
        }
        push_name(&mut out, &new_name)?;
        out.push(*kind);
        push_u32(&mut out, *index as usize)?;
    }
    Ok(out)
}

/// The `index`th short JavaScript identifier: `a`…`Z`, then two characters and more.
fn short_name(index: usize) -> String {
    const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$";
    let mut name = String::new();
    name.push(char::from(FIRST[index % FIRST.len()]));
    let mut rest = index / FIRST.len();
    while rest > 0 {
        rest -= 1;
        name.push(char::from(REST[rest % REST.len()]));
        rest /= REST.len();
    }
    name
}

/// Whether `byte` can be part of a JavaScript identifier (ASCII).
fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// Where `word` stands in `text` with no identifier character right before or after it.
fn word_positions(text: &str, word: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    text.match_indices(word)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + word.len()).copied();
            !before.is_some_and(is_identifier_byte) && !after.is_some_and(is_identifier_byte)
        })
        .collect()
}

/// Where `word` stands in `text`, when it stands there exactly once.
fn only_word(text: &str, word: &str) -> Result<usize> {
    match word_positions(text, word).as_slice() {
        [at] => Ok(*at),
        [] => bail!("`{word}` is not in it"),
        many => bail!("`{word}` is in it {} times", many.len()),
    }
}

/// Replaces `from` by `to` in `text`, when `from` is there exactly once.
fn replace_once(text: &mut String, from: &str, to: &str) -> Result<()> {
    let found: Vec<usize> = text.match_indices(from).map(|(at, _)| at).collect();
    match found.as_slice() {
        [at] => {
            text.replace_range(*at..*at + from.len(), to);
            Ok(())
        }
        [] => bail!("`{from}` is not in it"),
        many => bail!("`{from}` is in it {} times", many.len()),
    }
}

/// Reads a wasm module's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], at: usize) -> Self {
        Reader { bytes, at }
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn byte(&mut self) -> Result<u8> {
        let byte = *self
            .bytes
            .get(self.at)
            .context("the wasm ends in the middle of a section")?;
        self.at += 1;
        Ok(byte)
    }

    fn bytes(&mut self, len: usize) -> Result<&'a [u8]> {
        let bytes = self
            .bytes
            .get(self.at..self.at + len)
            .context("the wasm ends in the middle of a section")?;
        self.at += len;
        Ok(bytes)
    }

    /// An unsigned LEB128 `u32`.
    fn u32(&mut self) -> Result<u32> {
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(value).context("a LEB128 number over u32");
            }
        }
        bail!("a LEB128 number longer than five bytes")
    }

    /// A length-prefixed UTF-8 name.
    fn name(&mut self) -> Result<&'a str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.bytes(len)?).context("a name that is not UTF-8")
    }
}

/// Appends `value` as an unsigned LEB128 `u32`.
fn push_u32(out: &mut Vec<u8>, value: usize) -> Result<()> {
    let mut value = u32::try_from(value).context("a size over u32")?;
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return Ok(());
        }
        out.push(byte | 0x80);
    }
}

/// Appends a length-prefixed name.
fn push_name(out: &mut Vec<u8>, name: &str) -> Result<()> {
    push_u32(out, name.len())?;
    out.extend_from_slice(name.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with a type section, two imported functions, one defined function and
    /// three exports (the function, `memory` and one the glue never reaches), and a
    /// custom section after them.
    fn module(imports: &[&str], exports: &[(&str, u8, u32)]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let section = |wasm: &mut Vec<u8>, id: u8, body: Vec<u8>| {
            wasm.push(id);
            push_u32(wasm, body.len()).expect("a well-formed test module");
            wasm.extend(body);
        };
        // One type: () -> ().
        section(&mut wasm, 1, vec![1, 0x60, 0, 0]);
        let mut body = Vec::new();
        push_u32(&mut body, imports.len()).expect("a well-formed test module");
        for field in imports {
            push_name(&mut body, "./balise_extension_bg.js").expect("a well-formed test module");
            push_name(&mut body, field).expect("a well-formed test module");
            body.extend([KIND_FUNCTION, 0]);
        }
        section(&mut wasm, IMPORT_SECTION, body);
        let mut body = Vec::new();
        push_u32(&mut body, exports.len()).expect("a well-formed test module");
        for (name, kind, index) in exports {
            push_name(&mut body, name).expect("a well-formed test module");
            body.push(*kind);
            push_u32(&mut body, *index as usize).expect("a well-formed test module");
        }
        section(&mut wasm, EXPORT_SECTION, body);
        let mut custom = Vec::new();
        push_name(&mut custom, "note").expect("a well-formed test module");
        custom.extend(b"kept as it is");
        section(&mut wasm, 0, custom);
        wasm
    }

    const GLUE: &str = "function __wbg_get_imports() {
        const import0 = {
            __proto__: null,
            __wbg_appendChild_7465eba84213c75f: function(arg0, arg1) {
                return arg0.appendChild(arg1);
            },
            __wbindgen_init_externref_table: function() {
                const table = wasm.__wbindgen_externrefs;
            },
        };
        return {
            __proto__: null,
            \"./balise_extension_bg.js\": import0,
        };
    }
    function start(ptr) { wasm.start_content_script(ptr); wasm.start_content_script_2(ptr); }
    // wasm.memory is read as it is: wasm.memory.buffer
    ";

    fn names(wasm: &[u8], section: u8) -> Vec<String> {
        let mut reader = Reader::new(wasm, 8);
        while !reader.done() {
            let id = reader.byte().expect("a well-formed test module");
            let size = reader.u32().expect("a well-formed test module") as usize;
            let body = reader.bytes(size).expect("a well-formed test module");
            if id == section {
                let mut inner = Reader::new(body, 0);
                let count = inner.u32().expect("a well-formed test module");
                let mut names = Vec::new();
                for _ in 0..count {
                    if id == IMPORT_SECTION {
                        let module = inner.name().expect("a well-formed test module");
                        names.push(format!(
                            "{module}.{}",
                            inner.name().expect("a well-formed test module")
                        ));
                        inner.byte().expect("a well-formed test module");
                        inner.u32().expect("a well-formed test module");
                    } else {
                        names.push(inner.name().expect("a well-formed test module").to_owned());
                        inner.byte().expect("a well-formed test module");
                        inner.u32().expect("a well-formed test module");
                    }
                }
                return names;
            }
        }
        Vec::new()
    }

    #[test]
    fn imports_and_reached_exports_get_short_names_in_the_module_and_the_glue() {
        let wasm = module(
            &[
                "__wbg_appendChild_7465eba84213c75f",
                "__wbindgen_init_externref_table",
            ],
            &[
                ("start_content_script", KIND_FUNCTION, 2),
                ("memory", 2, 0),
                ("__wbindgen_externrefs", 1, 0),
                ("start_content_script_2", KIND_FUNCTION, 2),
                ("never_reached", KIND_FUNCTION, 2),
            ],
        );
        let (short, glue) = shorten(&wasm, GLUE).expect("shortened");
        assert_eq!(names(&short, IMPORT_SECTION), ["a.a", "a.b"]);
        assert_eq!(
            names(&short, EXPORT_SECTION),
            ["a", "memory", "b", "c", "never_reached"]
        );
        assert!(
            glue.contains("            a: function(arg0, arg1) {"),
            "{glue}"
        );
        assert!(glue.contains("            b: function() {"), "{glue}");
        assert!(glue.contains("const table = wasm.b;"), "{glue}");
        assert!(glue.contains("\"a\": import0,"), "{glue}");
        // `start_content_script` is renamed without touching the longer name it begins.
        assert!(glue.contains("{ wasm.a(ptr); wasm.c(ptr); }"), "{glue}");
        assert!(glue.contains("wasm.memory.buffer"), "{glue}");
        assert!(!glue.contains("7465eba84213c75f"), "{glue}");
        // The custom section and everything else are kept byte for byte.
        assert!(short.ends_with(b"kept as it is"));
        assert!(short.len() < wasm.len());
    }

    #[test]
    fn a_glue_that_does_not_match_the_module_stops_the_build() {
        let wasm = module(&["__wbg_missing_0123456789abcdef"], &[]);
        let error = shorten(&wasm, GLUE).expect_err("refused");
        assert!(
            format!("{error:#}").contains("__wbg_missing_0123456789abcdef"),
            "{error:#}"
        );
        // An import name the glue uses twice is not a key it can rename safely.
        let twice = format!("{GLUE} __wbg_appendChild_7465eba84213c75f");
        let wasm = module(&["__wbg_appendChild_7465eba84213c75f"], &[]);
        let error = shorten(&wasm, &twice).expect_err("refused");
        assert!(format!("{error:#}").contains("2 times"), "{error:#}");
        // Not a module at all.
        assert!(shorten(b"\0asm\x02\0\0\0", GLUE).is_err());
        assert!(shorten(b"\0as", GLUE).is_err());
    }

    #[test]
    fn short_names_are_distinct_javascript_identifiers() {
        let names: Vec<String> = (0..5_000).map(short_name).collect();
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        for name in &names {
            let first = name.as_bytes()[0];
            assert!(first.is_ascii_alphabetic(), "{name}");
            assert!(name.bytes().all(is_identifier_byte), "{name}");
        }
        assert_eq!(
            (names[0].as_str(), names[51].as_str(), names[52].as_str()),
            ("a", "Z", "aa")
        );
    }
}
