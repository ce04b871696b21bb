//! Finding where a field of a TOML document is, to put line numbers on validation errors.

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

/// A TOML value reduced to its shape, with the span of every nested value.
enum Node {
    Leaf,
    Table(Vec<(String, Spanned<Node>)>),
    Array(Vec<Spanned<Node>>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any TOML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Leaf)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Spanned<Node>>()? {
            entries.push((key, value));
        }
        Ok(Node::Table(entries))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut elements = Vec::new();
        while let Some(element) = seq.next_element::<Spanned<Node>>()? {
            elements.push(element);
        }
        Ok(Node::Array(elements))
    }
}

/// Where `path` (`items[3].label.fr`) starts in `source`: the value if it is there, else
/// the closest enclosing value that is.
pub(super) fn offset_of(source: &str, path: &str) -> Option<usize> {
    let root: Node = toml::from_str(source).ok()?;
    let mut node = &root;
    let mut found: Option<Range<usize>> = None;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let Node::Table(entries) = node else { break };
        let Some((_, value)) = entries.iter().find(|(name, _)| name == key) else {
            break;
        };
        found = Some(value.span());
        node = value.get_ref();
        if let Some(index) = index {
            let Node::Array(elements) = node else { break };
            let Some(element) = elements.get(index) else {
                break;
            };
            found = Some(element.span());
            node = element.get_ref();
        }
    }
    found.map(|span| span.start)
}
