//! An organization's routes compiled for the gateway's hot path: a trie of path segments,
//! searched literal first, then `{name}`, then `/*`, so the first route found is the most
//! specific one by [`crate::route`]'s rule — without scanning the list and without allocating.
//! Tested against [`crate::route::most_specific`], the rule written as a plain scan.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::route::{RouteTemplate, Segment};

/// Routes ending at one place in the trie: those of one method, then those of any (`*`).
#[derive(Debug)]
struct Ending<T> {
    by_method: Vec<(Box<str>, T)>,
    any_method: Option<T>,
}

impl<T> Default for Ending<T> {
    fn default() -> Self {
        Self {
            by_method: Vec::new(),
            any_method: None,
        }
    }
}

impl<T> Ending<T> {
    fn add(&mut self, method: &str, value: T) {
        if method == "*" {
            self.any_method.get_or_insert(value);
        } else if !self.by_method.iter().any(|(m, _)| m.eq_ignore_ascii_case(method)) {
            self.by_method.push((method.to_ascii_uppercase().into(), value));
        }
    }

    fn pick(&self, method: &str) -> Option<&T> {
        self.by_method
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, v)| v)
            .or(self.any_method.as_ref())
    }
}

#[derive(Debug)]
struct Node<T> {
    literals: HashMap<Box<str>, Node<T>>,
    param: Option<Box<Node<T>>>,
    /// Templates that end here exactly.
    exact: Ending<T>,
    /// Templates that end here with `/*`.
    rest: Ending<T>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Self {
            literals: HashMap::new(),
            param: None,
            exact: Ending::default(),
            rest: Ending::default(),
        }
    }
}

/// Routes compiled for matching. With two routes of the same method and shape (the catalog
/// refuses those), the first added is kept.
#[derive(Debug)]
pub struct RouteTable<T> {
    root: Node<T>,
    len: usize,
}

impl<T> Default for RouteTable<T> {
    fn default() -> Self {
        Self {
            root: Node::default(),
            len: 0,
        }
    }
}

/// Why a request path cannot be matched at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathRefusal {
    /// Not an absolute path.
    NotAbsolute,
    /// `.` or `..` segments, or an encoded `/` or `\`: the upstream may read the path as
    /// another route than keyward would, so such paths are refused rather than guessed at.
    NotCanonical,
}

impl<T> RouteTable<T> {
    pub fn new<'a>(routes: impl IntoIterator<Item = (&'a str, &'a RouteTemplate, T)>) -> Self {
        let mut table = Self::default();
        for (method, template, value) in routes {
            let mut node = &mut table.root;
            for segment in template.segments() {
                node = match segment {
                    Segment::Literal(l) => node.literals.entry(l.as_str().into()).or_default(),
                    Segment::Param(_) => node.param.get_or_insert_with(Box::default),
                };
            }
            let ending = if template.has_rest() {
                &mut node.rest
            } else {
                &mut node.exact
            };
            ending.add(method, value);
            table.len += 1;
        }
        table
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The most specific route for a request. `path` is the request's path, with or without a
    /// query; percent-encoded characters are decoded before matching.
    pub fn find(&self, method: &str, path: &str) -> Result<Option<&T>, PathRefusal> {
        let path = canonical_path(path)?;
        let body = path.strip_prefix('/').unwrap_or(&path);
        let body = body.strip_suffix('/').unwrap_or(body);
        Ok(find_in(&self.root, method, body))
    }
}

/// `rest` is the path still to match, without its leading `/` ("" once all is matched).
fn find_in<'t, T>(node: &'t Node<T>, method: &str, rest: &str) -> Option<&'t T> {
    if rest.is_empty() {
        return node.exact.pick(method).or_else(|| node.rest.pick(method));
    }
    let (segment, after) = rest.split_once('/').unwrap_or((rest, ""));
    if let Some(child) = node.literals.get(segment)
        && let Some(found) = find_in(child, method, after)
    {
        return Some(found);
    }
    if !segment.is_empty()
        && let Some(child) = &node.param
        && let Some(found) = find_in(child, method, after)
    {
        return Some(found);
    }
    node.rest.pick(method)
}

/// The path without query or fragment, percent-decoded, refused when it is not canonical.
pub fn canonical_path(raw: &str) -> Result<Cow<'_, str>, PathRefusal> {
    let end = raw.find(['?', '#']).unwrap_or(raw.len());
    let path = &raw[..end];
    if !path.starts_with('/') {
        return Err(PathRefusal::NotAbsolute);
    }
    let decoded: Cow<'_, str> = if path.contains('%') {
        let lower = path.to_ascii_lowercase();
        if lower.contains("%2f") || lower.contains("%5c") {
            return Err(PathRefusal::NotCanonical);
        }
        Cow::Owned(percent_decode(path))
    } else {
        Cow::Borrowed(path)
    };
    if decoded.split('/').any(|s| s == "." || s == "..") || decoded.contains('\\') {
        return Err(PathRefusal::NotCanonical);
    }
    Ok(decoded)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::most_specific;
    use proptest::prelude::*;

    fn t(s: &str) -> RouteTemplate {
        RouteTemplate::parse(s).unwrap()
    }

    const ROUTES: [(&str, &str); 12] = [
        ("*", "/*"),
        ("GET", "/a/*"),
        ("GET", "/a/{x}"),
        ("GET", "/a/b"),
        ("*", "/{x}/b/*"),
        ("GET", "/{x}/{y}/c"),
        ("GET", "/a/{x}/c"),
        ("POST", "/a/{x}/c"),
        ("*", "/c/{x}"),
        ("DELETE", "/c/*"),
        ("GET", "/"),
        ("POST", "/b/{x}/{y}"),
    ];

    #[test]
    fn finds_what_the_rule_picks() {
        let templates: Vec<_> = ROUTES.iter().map(|(m, p)| (*m, t(p))).collect();
        let table = RouteTable::new(templates.iter().enumerate().map(|(i, (m, t))| (*m, t, i)));
        assert_eq!(table.len(), ROUTES.len());
        assert_eq!(table.find("GET", "/a/b"), Ok(Some(&3)));
        assert_eq!(
            table.find("get", "/a/b?x=/c"),
            Ok(Some(&3)),
            "methods in any case; no query"
        );
        assert_eq!(
            table.find("GET", "/a/%62"),
            Ok(Some(&3)),
            "decoded before matching"
        );
        assert_eq!(
            table.find("PUT", "/a/b"),
            Ok(Some(&4)),
            "/{{x}}/b/* for another method"
        );
        assert_eq!(table.find("PUT", "/z"), Ok(Some(&0)));
        assert_eq!(table.find("GET", "/"), Ok(Some(&10)));
        assert_eq!(table.find("GET", "/a/../admin"), Err(PathRefusal::NotCanonical));
        assert_eq!(table.find("GET", "/a/%2e%2E/x"), Err(PathRefusal::NotCanonical));
        assert_eq!(table.find("GET", "/a%2Fb"), Err(PathRefusal::NotCanonical));
        assert_eq!(table.find("GET", "a/b"), Err(PathRefusal::NotAbsolute));
        let empty = RouteTable::<()>::new([]);
        assert!(empty.is_empty());
        assert_eq!(empty.find("GET", "/a"), Ok(None));
    }

    proptest! {
        /// The trie picks exactly what the plain scan picks.
        #[test]
        fn the_trie_agrees_with_the_scan(
            method in prop::sample::select(vec!["GET", "POST", "DELETE", "PUT"]),
            path in "/([a-c](/[a-c]){0,3}/?)?",
            keep in prop::collection::vec(any::<bool>(), ROUTES.len()),
        ) {
            let templates: Vec<_> = ROUTES
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|((m, p), _)| (*m, t(p), *p))
                .collect();
            let table = RouteTable::new(templates.iter().map(|(m, t, p)| (*m, t, *p)));
            let scan = most_specific(templates.iter().map(|(m, t, p)| (*m, t, *p)), method, &path);
            prop_assert_eq!(table.find(method, &path).unwrap().copied(), scan);
        }
    }
}
