//! A small JSON reader for the content script's start: one `JSON.stringify` of a stored
//! policy and one parse here cost less than reading it field by field across the
//! JavaScript boundary (a few hundred `Reflect.get` calls, about 1.7 ms at start-up);
//! `lean_read` then reads the parsed tree as it reads a JavaScript object.

use crate::lean_read::Source;

/// A parsed JSON value. Objects keep their fields in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Parses a JSON document (`JSON.stringify`'s output, or any JSON text); `None` when it is
/// not one.
pub fn parse(text: &str) -> Option<Json> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        text,
        at: 0,
    };
    let value = parser.value(0)?;
    parser.skip_space();
    (parser.at == parser.bytes.len()).then_some(value)
}

/// A JavaScript value (a stored or received object) as a parsed tree: one
/// `JSON.stringify` and one string across the boundary.
pub fn from_js(value: &wasm_bindgen::JsValue) -> Option<Json> {
    parse(&js_sys::JSON::stringify(value).ok()?.as_string()?)
}

/// A policy from a JSON document (`None`: the text was not JSON), read by
/// `lean_read::policy` with its errors as JavaScript strings.
pub fn policy(json: Option<Json>) -> Result<balise_core::policy::Policy, wasm_bindgen::JsValue> {
    let json = json.ok_or_else(|| wasm_bindgen::JsValue::from_str("the policy is not JSON"))?;
    crate::lean_read::policy(&&json).map_err(|error| wasm_bindgen::JsValue::from_str(&error))
}

/// Deepest nesting read (a stored policy nests four levels).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Option<Json> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word.as_bytes()).then(|| {
            self.at = end;
            value
        })
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        match *self.bytes.get(self.at)? {
            b'n' => self.literal("null", Json::Null),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'"' => self.string().map(Json::Text),
            b'[' => {
                self.at += 1;
                let mut elements = Vec::new();
                if self.eat(b']') {
                    return Some(Json::Array(elements));
                }
                loop {
                    elements.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Some(Json::Array(elements));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.at += 1;
                let mut fields = Vec::new();
                if self.eat(b'}') {
                    return Some(Json::Object(fields));
                }
                loop {
                    self.skip_space();
                    if self.bytes.get(self.at) != Some(&b'"') {
                        return None;
                    }
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    fields.push((key, self.value(depth + 1)?));
                    if self.eat(b'}') {
                        return Some(Json::Object(fields));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            _ => self.number(),
        }
    }

    /// A number: exact for integers below 2^53 and for decimals of up to 15 digits with an
    /// exponent of at most 22 (a policy holds only its version); others may be off by
    /// a unit in the last place (Rust's float parser would add about 30 KB to the module).
    fn number(&mut self) -> Option<Json> {
        let negative = self.bytes.get(self.at) == Some(&b'-');
        if negative {
            self.at += 1;
        }
        let mut mantissa: u64 = 0;
        let mut exponent: i32 = 0;
        let mut digits = 0;
        let mut push = |digit: u8, exponent_change: i32, exponent: &mut i32| {
            if mantissa < (1 << 60) / 10 {
                mantissa = mantissa * 10 + u64::from(digit - b'0');
                *exponent += exponent_change;
            } else {
                *exponent += 1 + exponent_change;
            }
        };
        while let Some(&digit @ b'0'..=b'9') = self.bytes.get(self.at) {
            push(digit, 0, &mut exponent);
            digits += 1;
            self.at += 1;
        }
        if digits == 0 {
            return None;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            let mut fraction = 0;
            while let Some(&digit @ b'0'..=b'9') = self.bytes.get(self.at) {
                push(digit, -1, &mut exponent);
                fraction += 1;
                self.at += 1;
            }
            if fraction == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            let sign = match self.bytes.get(self.at) {
                Some(b'-') => {
                    self.at += 1;
                    -1
                }
                Some(b'+') => {
                    self.at += 1;
                    1
                }
                _ => 1,
            };
            let mut written: i32 = 0;
            let mut count = 0;
            while let Some(&digit @ b'0'..=b'9') = self.bytes.get(self.at) {
                written = written
                    .saturating_mul(10)
                    .saturating_add(i32::from(digit - b'0'));
                count += 1;
                self.at += 1;
            }
            if count == 0 {
                return None;
            }
            exponent = exponent.saturating_add(sign * written);
        }
        let scale = 10f64.powi(exponent.unsigned_abs().min(400) as i32);
        let magnitude = if exponent < 0 {
            mantissa as f64 / scale
        } else {
            mantissa as f64 * scale
        };
        Some(Json::Number(if negative { -magnitude } else { magnitude }))
    }

    /// A string, the opening quote at `self.at`.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&byte) = self.bytes.get(self.at) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // Quotes and backslashes are ASCII: the run ends on a character boundary.
            out.push_str(self.text.get(start..self.at)?);
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    let escape = *self.bytes.get(self.at + 1)?;
                    self.at += 2;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                _ => return None,
            }
        }
    }

    /// The character of a `\u` escape (its four digits at `self.at`), with its low
    /// surrogate's escape when it is a high one; a lone surrogate reads as U+FFFD.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xd800..0xdc00).contains(&first)
            && self.bytes.get(self.at..self.at + 2) == Some(b"\\u".as_slice())
        {
            let saved = self.at;
            self.at += 2;
            let second = self.hex4()?;
            if (0xdc00..0xe000).contains(&second) {
                let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                return char::from_u32(code);
            }
            self.at = saved;
        }
        Some(char::from_u32(first).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let value = u32::from_str_radix(digits, 16).ok()?;
        self.at += 4;
        Some(value)
    }
}

impl Source for &Json {
    fn get(&self, key: &str) -> Option<Self> {
        match self {
            Json::Object(fields) => fields
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value)
                .filter(|value| !matches!(value, Json::Null)),
            _ => None,
        }
    }
    fn text(&self) -> Option<String> {
        match self {
            Json::Text(text) => Some(text.clone()),
            _ => None,
        }
    }
    fn boolean(&self) -> Option<bool> {
        match self {
            Json::Bool(value) => Some(*value),
            _ => None,
        }
    }
    fn number(&self) -> Option<f64> {
        match self {
            Json::Number(value) => Some(*value),
            _ => None,
        }
    }
    fn elements(&self) -> Option<Vec<Self>> {
        match self {
            Json::Array(elements) => Some(elements.iter().collect()),
            _ => None,
        }
    }
    fn keys(&self) -> Option<Vec<String>> {
        match self {
            Json::Object(fields) => Some(fields.iter().map(|(name, _)| name.clone()).collect()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use balise_core::policy::Policy;

    /// The same tree as serde_json's reading of `text`.
    fn same_as_serde(text: &str) {
        fn convert(value: &serde_json::Value) -> Json {
            match value {
                serde_json::Value::Null => Json::Null,
                serde_json::Value::Bool(value) => Json::Bool(*value),
                serde_json::Value::Number(number) => {
                    Json::Number(number.as_f64().expect("a number"))
                }
                serde_json::Value::String(text) => Json::Text(text.clone()),
                serde_json::Value::Array(elements) => {
                    Json::Array(elements.iter().map(convert).collect())
                }
                serde_json::Value::Object(fields) => Json::Object(
                    fields
                        .iter()
                        .map(|(key, value)| (key.clone(), convert(value)))
                        .collect(),
                ),
            }
        }
        /// With every object's fields by name, as serde_json's map keeps them.
        fn sorted(value: Json) -> Json {
            match value {
                Json::Array(elements) => Json::Array(elements.into_iter().map(sorted).collect()),
                Json::Object(fields) => {
                    let mut fields: Vec<(String, Json)> = fields
                        .into_iter()
                        .map(|(key, value)| (key, sorted(value)))
                        .collect();
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                    Json::Object(fields)
                }
                other => other,
            }
        }
        let expected: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
        let parsed = parse(text).map(sorted);
        assert!(parsed == Some(convert(&expected)), "{text}");
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            "null",
            " true ",
            "[false, 0, -1, 2.5, 1e3, -0.125E-2, 9007199254740993]",
            r#"{"a": {"b": [1, {"c": "d"}], "e": ""}, "f": null}"#,
            r#""quote \" backslash \\ slash \/ \b\f\n\r\t é \u00e9 \ud83d\ude00 €""#,
            "[]",
            "{}",
            "[[[[]]]]",
        ] {
            same_as_serde(text);
        }
        // The built-in policy as the service worker stores it, and a policy of every
        // script's characters.
        let policy = serde_json::to_string(&Policy::sec_csq_default()).expect("serializes");
        same_as_serde(&policy);
        same_as_serde(&serde_json::to_string("Ωméga 日本 \u{1f600} \u{0}").expect("serializes"));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for text in [
            "",
            "[1,]",
            "{\"a\" 1}",
            "{a: 1}",
            "\"open",
            "\"bad \\x escape\"",
            "\"control \u{1} char\"",
            "[1] 2",
            "nul",
            "01x",
            "-",
            "1.",
            "1e",
            ".5",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        assert_eq!(parse(&"[".repeat(100)), None);
    }

    #[test]
    fn lone_surrogates_read_as_the_replacement_character() {
        assert_eq!(
            parse(r#""\ud800 and \udc00""#),
            Some(Json::Text("\u{fffd} and \u{fffd}".to_owned()))
        );
    }

    #[test]
    fn lean_read_reads_the_policy_from_the_parsed_tree() {
        let builtin = Policy::sec_csq_default();
        let json = parse(&serde_json::to_string(&builtin).expect("serializes")).expect("parses");
        assert_eq!(crate::lean_read::policy(&&json), Ok(builtin));
    }
}
