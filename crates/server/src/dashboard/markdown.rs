//! The API's descriptions are Markdown (they feed the OpenAPI document); the dashboard shows
//! them as HTML. Only our own doc comments pass through here, but raw HTML in them is still
//! shown as text and links keep to web and relative addresses.

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd, html};

/// One paragraph of Markdown as inline HTML: code spans, emphasis and links, no `<p>`.
pub fn inline(markdown: &str) -> String {
    let events = Parser::new(markdown).filter_map(|event| match event {
        Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => None,
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_link(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        })),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out.trim_end().to_owned()
}

/// A URL path as HTML that may wrap after a `/` and nowhere inside a segment.
pub fn path(p: &str) -> String {
    let events = p
        .split_inclusive('/')
        .flat_map(|segment| [Event::Text(segment.into()), Event::InlineHtml("<wbr>".into())]);
    let mut out = String::new();
    html::push_html(&mut out, events);
    out.strip_suffix("<wbr>").unwrap_or(&out).to_owned()
}

fn safe_link(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/') || url.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::inline;

    #[test]
    fn code_links_and_no_raw_html() {
        assert_eq!(
            inline(
                "Obtain a token (grant `client_credentials`), see [RFC 6749](https://www.rfc-editor.org/rfc/rfc6749)."
            ),
            "Obtain a token (grant <code>client_credentials</code>), see \
             <a href=\"https://www.rfc-editor.org/rfc/rfc6749\">RFC 6749</a>."
        );
        assert_eq!(
            inline("a <script>x</script> b"),
            "a &lt;script&gt;x&lt;/script&gt; b"
        );
        assert_eq!(inline("[x](javascript:alert(1))"), "<a href=\"#\">x</a>");
        assert_eq!(super::path("/v1/a<b>/{id}"), "/<wbr>v1/<wbr>a&lt;b&gt;/<wbr>{id}");
    }
}
