//! Route templates of a platform's own API ("API URLs"), for the gateway's forward-auth
//! decision: `/contacts/{id}`, `/files/*`. Pure: parsing, matching, and the rule that picks one
//! route when several match.
//!
//! The rule: compare the templates segment by segment from the left; at the first difference a
//! literal beats `{name}`, which beats a trailing `/*`. A template that matches exactly (no
//! `/*`) beats one that needs `/*` for the rest. If the paths tie, a route for the request's
//! method beats one for any method (`*`).

use std::cmp::Ordering;

/// One segment of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// `{name}`: exactly one segment.
    Param(String),
}

/// A parsed path template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTemplate {
    segments: Vec<Segment>,
    /// Ends in `/*`: any rest, including none.
    rest: bool,
}

/// Longest template accepted, in bytes.
pub const MAX_TEMPLATE_LEN: usize = 512;

impl RouteTemplate {
    /// Parses `/a/{b}/c`, `/a/*`, `/`. The message names the rule broken, never the input.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() > MAX_TEMPLATE_LEN {
            return Err(format!("a path is at most {MAX_TEMPLATE_LEN} characters"));
        }
        let Some(body) = s.strip_prefix('/') else {
            return Err("a path starts with /".into());
        };
        if s.contains(['?', '#']) || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("a path has no query, fragment or spaces".into());
        }
        let mut segments = Vec::new();
        let mut rest = false;
        let parts: Vec<&str> = if body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if *part == "*" {
                if !last {
                    return Err("* may only end a path, as /*".into());
                }
                rest = true;
            } else if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let valid = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err("a {parameter} is named with letters, digits and _".into());
                }
                if segments
                    .iter()
                    .any(|s| matches!(s, Segment::Param(n) if n == name))
                {
                    return Err("a {parameter} name is used twice".into());
                }
                segments.push(Segment::Param(name.to_owned()));
            } else if part.is_empty() {
                return Err("a path has no empty segment (//) and no trailing /".into());
            } else if part.contains(['{', '}', '*']) {
                return Err("{ } and * stand alone in a segment: {name} or a final *".into());
            } else {
                segments.push(Segment::Literal((*part).to_owned()));
            }
        }
        Ok(Self { segments, rest })
    }

    /// Whether a request path (without its query) matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(body) = path.strip_prefix('/') else {
            return false;
        };
        let body = body.strip_suffix('/').unwrap_or(body);
        let parts: Vec<&str> = if body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        if parts.len() < self.segments.len() || (!self.rest && parts.len() != self.segments.len()) {
            return false;
        }
        self.segments.iter().zip(&parts).all(|(s, p)| match s {
            Segment::Literal(l) => l == p,
            Segment::Param(_) => !p.is_empty(),
        })
    }

    /// Its segments, left to right (without the final `/*`).
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether it ends in `/*`.
    pub fn has_rest(&self) -> bool {
        self.rest
    }

    /// The template as written, normalized.
    pub fn render(&self) -> String {
        let mut out: String = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => format!("/{l}"),
                Segment::Param(n) => format!("/{{{n}}}"),
            })
            .collect();
        if self.rest {
            out.push_str("/*");
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// The template with its parameters unnamed: two routes of one method with the same shape
    /// (`/a/{id}` and `/a/{key}`) would always tie, so they are duplicates.
    pub fn shape(&self) -> String {
        let mut anonymous = self.clone();
        for s in &mut anonymous.segments {
            if let Segment::Param(n) = s {
                n.clear();
            }
        }
        anonymous.render()
    }

    /// Which of two templates that both match a path is more specific (`Greater`: `self`).
    pub fn specificity_cmp(&self, other: &Self) -> Ordering {
        // Rank of the segment at a position: a literal, then a parameter, then the `/*`, then
        // nothing at all (the template ended without a rest).
        fn rank(t: &RouteTemplate, i: usize) -> u8 {
            match t.segments.get(i) {
                Some(Segment::Literal(_)) => 3,
                Some(Segment::Param(_)) => 2,
                None if t.rest => 1,
                None => 0,
            }
        }
        let len = self.segments.len().max(other.segments.len());
        for i in 0..len {
            match rank(self, i).cmp(&rank(other, i)) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        // Same shape so far: the one that needs no `/*` is exact.
        other.rest.cmp(&self.rest)
    }
}

/// The route for a request among those given as (method or `*`, template, value): the most
/// specific match by the module's rule, or `None`.
pub fn most_specific<'a, T>(
    routes: impl IntoIterator<Item = (&'a str, &'a RouteTemplate, T)>,
    method: &str,
    path: &str,
) -> Option<T> {
    let mut best: Option<(&RouteTemplate, bool, T)> = None;
    for (m, t, v) in routes {
        let exact_method = m.eq_ignore_ascii_case(method);
        if !(exact_method || m == "*") || !t.matches(path) {
            continue;
        }
        let better = match &best {
            None => true,
            Some((bt, bm, _)) => match t.specificity_cmp(bt) {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => exact_method && !bm,
            },
        };
        if better {
            best = Some((t, exact_method, v));
        }
    }
    best.map(|(_, _, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> RouteTemplate {
        RouteTemplate::parse(s).unwrap()
    }

    #[test]
    fn templates_parse_and_render_or_say_which_rule_they_break() {
        for ok in [
            "/",
            "/contacts",
            "/contacts/{id}",
            "/contacts/{id}/notes/*",
            "/*",
            "/v1/a-b.c_d",
        ] {
            assert_eq!(t(ok).render(), ok);
        }
        for bad in [
            "",
            "contacts",
            "/a//b",
            "/a/",
            "/a/*/b",
            "/a/{}",
            "/a/{1x}",
            "/a/{x}/{x}",
            "/a?b=1",
            "/a b",
            "/a{b}",
            "/a*",
        ] {
            assert!(RouteTemplate::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(t("/a/{id}/*").shape(), t("/a/{key}/*").shape());
        assert_ne!(t("/a/{id}").shape(), t("/a/b").shape());
        let long = format!("/{}", "a".repeat(MAX_TEMPLATE_LEN));
        assert!(RouteTemplate::parse(&long).is_err());
    }

    #[test]
    fn matching_follows_segments() {
        assert!(t("/contacts/{id}").matches("/contacts/42"));
        assert!(t("/contacts/{id}").matches("/contacts/42/"));
        assert!(!t("/contacts/{id}").matches("/contacts"));
        assert!(!t("/contacts/{id}").matches("/contacts/42/notes"));
        assert!(t("/files/*").matches("/files"));
        assert!(t("/files/*").matches("/files/a/b/c"));
        assert!(!t("/files/*").matches("/filesystem"));
        assert!(t("/").matches("/"));
        assert!(!t("/").matches("/a"));
        assert!(t("/*").matches("/anything/at/all"));
        assert!(!t("/a").matches("a"));
    }

    #[test]
    fn the_most_specific_route_wins() {
        let routes = [
            ("*", t("/*"), "any"),
            ("GET", t("/contacts/*"), "contacts-rest"),
            ("GET", t("/contacts/{id}"), "contact"),
            ("GET", t("/contacts/export"), "export"),
            ("*", t("/contacts/{id}/notes"), "notes-any-method"),
            ("POST", t("/contacts/{id}/notes"), "notes-post"),
        ];
        let pick = |m: &str, p: &str| most_specific(routes.iter().map(|(m, t, v)| (*m, t, *v)), m, p);
        assert_eq!(
            pick("GET", "/contacts/export"),
            Some("export"),
            "a literal beats {{id}}"
        );
        assert_eq!(pick("GET", "/contacts/42"), Some("contact"), "{{id}} beats /*");
        assert_eq!(pick("GET", "/contacts/42/files/1"), Some("contacts-rest"));
        assert_eq!(
            pick("GET", "/contacts"),
            Some("contacts-rest"),
            "/* also matches nothing more"
        );
        assert_eq!(
            pick("POST", "/contacts/42/notes"),
            Some("notes-post"),
            "the method beats *"
        );
        assert_eq!(pick("GET", "/contacts/42/notes"), Some("notes-any-method"));
        assert_eq!(pick("DELETE", "/orders/1"), Some("any"));
        assert_eq!(
            most_specific(Vec::<(&str, &RouteTemplate, ())>::new(), "GET", "/"),
            None
        );
    }

    proptest! {
        /// Whatever the order of the routes, the same one is chosen.
        #[test]
        fn the_choice_does_not_depend_on_order(seed in any::<u64>(), path in "(/[a-c]{1,2}){0,4}") {
            let mut routes = [
                ("*", t("/*"), 0), ("GET", t("/a/*"), 1), ("GET", t("/a/{x}"), 2), ("GET", t("/a/b"), 3),
                ("*", t("/{x}/b/*"), 4), ("GET", t("/{x}/{y}/c"), 5), ("GET", t("/a/{x}/c"), 6),
            ];
            let first = most_specific(routes.iter().map(|(m, t, v)| (*m, t, *v)), "GET", &path);
            // A deterministic shuffle from the seed.
            let n = routes.len();
            for i in 0..n {
                let j = (seed.rotate_left(i as u32) as usize) % n;
                routes.swap(i, j);
            }
            let again = most_specific(routes.iter().map(|(m, t, v)| (*m, t, *v)), "GET", &path);
            prop_assert_eq!(first, again);
        }
    }
}
