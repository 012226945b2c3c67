//! A need's trail as an Atom feed (RFC 4287): a feed reader, or WeChat's article bot, follows
//! what became of a need without an account.

use super::model::{Need, NeedEvent};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The feed of `need`'s public `trail`, newest first; `href` is the need's page, `own` the
/// feed's address.
pub fn atom(need: &Need, trail: &[NeedEvent], href: &str, own: &str) -> String {
    let updated = trail.last().map_or(need.updated_at, |e| e.at).to_rfc3339();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>{own}</id>\n<title>需求 #{id} · Need #{id}</title>\n<subtitle>{text}</subtitle>\n\
         <updated>{updated}</updated>\n<link rel=\"self\" href=\"{own}\"/>\n<link rel=\"alternate\" href=\"{href}\"/>\n\
         <author><name>lantu 蓝图</name></author>\n",
        own = escape(own),
        href = escape(href),
        id = need.id,
        text = escape(&need.text),
    );
    for (i, event) in trail.iter().enumerate().rev() {
        let (zh, en) = event.status.label();
        let note = event
            .note
            .as_deref()
            .map(|n| format!(" — {}", escape(n)))
            .unwrap_or_default();
        let related = match (event.kind.as_str(), event.related) {
            ("merged", Some(other)) => format!(" → #{other}"),
            ("answered", Some(project)) => format!(" → project {project}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "<entry>\n<id>{own}#{i}</id>\n<title>{zh} · {en}{related}</title>\n<updated>{at}</updated>\n\
             <link rel=\"alternate\" href=\"{href}\"/>\n<content type=\"text\">{kind}{note}</content>\n</entry>\n",
            own = escape(own),
            href = escape(href),
            at = event.at.to_rfc3339(),
            kind = escape(&event.kind),
        ));
    }
    out.push_str("</feed>\n");
    out
}
