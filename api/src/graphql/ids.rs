//! Opaque global ids (`node(id:)`) and list cursors.
//!
//! A global id is base64url of `Type:number`; a cursor is base64url of `c:number` in a
//! list's default (id) order, or of `k:key:direction:number:value` in a list sorted by
//! `orderBy` (the key's short name, `a` or `d`, the row's id and its key's value, so
//! that the next page starts after the row whatever rows share its value). Clients must
//! treat both as opaque strings; the server reads a cursor back as untrusted input: it
//! is checked against the order asked for, and it only ever positions a read that the
//! visibility filter already narrows.

use crate::i18n::Message;
use async_graphql::{ID, connection::CursorType};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    error::ServiceError,
    service::page::{KeyKind, KeyValue, ListOrder, Position, SortKey},
};

/// The kinds of object that have a global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Organization,
    Person,
    Community,
    Membership,
    Subgroup,
    Thread,
    Post,
    IdentityProvider,
    Session,
    Identity,
    PersonalAccessToken,
    ApiClient,
    // Events (issue 13).
    Event,
    /// One occurrence of an event: its id holds the event's and the occurrence's
    /// original start (see [`occurrence_id`]).
    Occurrence,
    // Library (documents).
    Document,
    DocumentVersion,
    WikiPage,
    WikiPageRevision,
    Theme,
    // Discussions (issue 14).
    Report,
    // Time budget (issue 13).
    TimeEntry,
}

impl NodeKind {
    /// Every kind, in declaration order.
    pub const ALL: [NodeKind; 21] = [
        Self::Organization,
        Self::Person,
        Self::Community,
        Self::Membership,
        Self::Subgroup,
        Self::Thread,
        Self::Post,
        Self::IdentityProvider,
        Self::Session,
        Self::Identity,
        Self::PersonalAccessToken,
        Self::ApiClient,
        Self::Event,
        Self::Occurrence,
        Self::Document,
        Self::DocumentVersion,
        Self::WikiPage,
        Self::WikiPageRevision,
        Self::Theme,
        Self::Report,
        Self::TimeEntry,
    ];

    /// The GraphQL type name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            Self::Organization => "Organization",
            Self::Person => "Person",
            Self::Community => "Community",
            Self::Membership => "Membership",
            Self::Subgroup => "Subgroup",
            Self::Thread => "Thread",
            Self::Post => "Post",
            Self::IdentityProvider => "IdentityProvider",
            Self::Session => "Session",
            Self::Identity => "Identity",
            Self::PersonalAccessToken => "PersonalAccessToken",
            Self::ApiClient => "ApiClient",
            Self::Event => "Event",
            Self::Occurrence => "Occurrence",
            Self::Document => "Document",
            Self::DocumentVersion => "DocumentVersion",
            Self::WikiPage => "WikiPage",
            Self::WikiPageRevision => "WikiPageRevision",
            Self::Theme => "Theme",
            Self::Report => "Report",
            Self::TimeEntry => "TimeEntry",
        }
    }
}

/// The global id of an object.
pub fn to_global(kind: NodeKind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// The global id of an occurrence: its event and the start its rule gives it (in Unix
/// seconds), so that it stays the same when the occurrence is moved.
pub fn occurrence_id(event_id: i32, original_start: DateTime<Utc>) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("Occurrence:{event_id}:{}", original_start.timestamp())))
}

/// Reads the global id of an occurrence: (event id, original start).
pub fn from_occurrence_id(field: &str, id: &ID) -> Result<(i32, DateTime<Utc>), ServiceError> {
    let bad = || ServiceError::bad_input(field, Message::new("not-occurrence-id"));
    if id.len() > 64 {
        return Err(bad());
    }
    let decoded = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let rest = text.strip_prefix("Occurrence:").ok_or_else(bad)?;
    let (event, start) = rest.split_once(':').ok_or_else(bad)?;
    let event = event.parse::<i32>().map_err(|_| bad())?;
    // Only instants an event can have (so that arithmetic on them cannot overflow).
    let start = start
        .parse::<i64>()
        .ok()
        .filter(|s| (OCCURRENCE_EPOCH_MIN..=OCCURRENCE_EPOCH_MAX).contains(s))
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(bad)?;
    Ok((event, start))
}

/// The earliest and latest original starts an occurrence id may name: 1970 to 2200.
const OCCURRENCE_EPOCH_MIN: i64 = 0;
const OCCURRENCE_EPOCH_MAX: i64 = 7_258_118_400;

/// Reads any global id; `field` names the input for the error. An occurrence's id reads
/// as its event's number (use [`from_occurrence_id`] for the whole of it).
pub fn from_global_any(field: &str, id: &ID) -> Result<(NodeKind, i32), ServiceError> {
    let bad = || ServiceError::bad_input(field, Message::new("bad-id"));
    if id.len() > 64 {
        return Err(bad());
    }
    let decoded = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    if text.starts_with("Occurrence:") {
        return from_occurrence_id(field, id).map(|(event, _)| (NodeKind::Occurrence, event));
    }
    let (name, number) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeKind::ALL.into_iter().find(|k| k.name() == name).ok_or_else(bad)?;
    let number = number.parse::<i32>().map_err(|_| bad())?;
    Ok((kind, number))
}

/// Reads a global id that must be of `kind`.
pub fn from_global(field: &str, kind: NodeKind, id: &ID) -> Result<i32, ServiceError> {
    match from_global_any(field, id)? {
        (k, n) if k == kind => Ok(n),
        _ => Err(ServiceError::bad_input(field, Message::new("wrong-id-kind").arg("kind", kind.name()))),
    }
}

/// The longest cursor read (a sort key's text is at most a few hundred characters).
const MAX_CURSOR_LEN: usize = 2048;

/// A position in a list, and the order of the list it was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCursor {
    pub order: ListOrder,
    pub place: Position,
}

impl ListCursor {
    /// The position of row `id` in a list in its default order.
    pub fn id(id: i32) -> Self {
        Self { order: ListOrder::default(), place: Position::id(id) }
    }
}

impl CursorType for ListCursor {
    type Error = ServiceError;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bad = || ServiceError::bad_input("cursor", Message::new("bad-cursor"));
        if s.len() > MAX_CURSOR_LEN {
            return Err(bad());
        }
        let decoded = URL_SAFE_NO_PAD.decode(s.as_bytes()).map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        if let Some(number) = text.strip_prefix("c:") {
            return number.parse::<i32>().map(Self::id).map_err(|_| bad());
        }
        let mut parts = text.strip_prefix("k:").ok_or_else(bad)?.splitn(4, ':');
        let (Some(tag), Some(direction), Some(id), Some(value)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let key = SortKey::from_tag(tag).ok_or_else(bad)?;
        let desc = match direction {
            "a" => false,
            "d" => true,
            _ => return Err(bad()),
        };
        let id = id.parse::<i32>().map_err(|_| bad())?;
        let value = match key.kind() {
            // Names and titles are one line of text: a control character (NUL, which
            // PostgreSQL refuses in text) is no value of theirs.
            KeyKind::Text if value.chars().any(char::is_control) => return Err(bad()),
            KeyKind::Text => KeyValue::Text(value.to_owned()),
            KeyKind::Time => {
                KeyValue::Time(DateTime::parse_from_rfc3339(value).map_err(|_| bad())?.with_timezone(&Utc))
            }
        };
        Ok(Self { order: ListOrder { key: Some(key), desc }, place: Position { id, key: Some(value) } })
    }

    fn encode_cursor(&self) -> String {
        let id = self.place.id;
        let (Some(key), Some(value)) = (self.order.key, &self.place.key) else {
            return URL_SAFE_NO_PAD.encode(format!("c:{id}"));
        };
        let direction = if self.order.desc { "d" } else { "a" };
        let value = match value {
            KeyValue::Text(text) => text.clone(),
            // Every digit kept: the next page compares with the stored value exactly.
            KeyValue::Time(time) => time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        };
        URL_SAFE_NO_PAD.encode(format!("k:{}:{direction}:{id}:{value}", key.tag()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_reject_other_kinds() {
        let id = to_global(NodeKind::Community, 42);
        assert_eq!(from_global("id", NodeKind::Community, &id).ok(), Some(42));
        assert!(from_global("id", NodeKind::Thread, &id).is_err());
        assert!(from_global_any("id", &ID("!!".into())).is_err());
        assert!(from_global_any("id", &ID(URL_SAFE_NO_PAD.encode("Secret:1"))).is_err());
    }

    #[test]
    fn occurrence_ids_hold_their_event_and_original_start() {
        let start = DateTime::from_timestamp(1_768_327_200, 0).unwrap_or_default();
        let id = occurrence_id(7, start);
        assert_eq!(from_occurrence_id("id", &id).ok(), Some((7, start)));
        assert_eq!(from_global_any("id", &id).ok(), Some((NodeKind::Occurrence, 7)));
        assert!(from_occurrence_id("id", &to_global(NodeKind::Event, 7)).is_err());
        assert!(from_occurrence_id("id", &ID(URL_SAFE_NO_PAD.encode("Occurrence:7:x"))).is_err());
        // Instants no event has (whose arithmetic would overflow) are not ids.
        for far in ["8210298412799", "-8210298412799", "7258118401", "-1"] {
            let id = ID(URL_SAFE_NO_PAD.encode(format!("Occurrence:7:{far}")));
            assert!(from_occurrence_id("id", &id).is_err(), "{far}");
        }
        assert!(from_global("id", NodeKind::Event, &id).is_err());
    }

    #[test]
    fn cursors_round_trip() {
        let c = ListCursor::id(7).encode_cursor();
        assert_eq!(c, URL_SAFE_NO_PAD.encode("c:7"), "default-order cursors are unchanged");
        assert_eq!(ListCursor::decode_cursor(&c).ok(), Some(ListCursor::id(7)));
        assert!(ListCursor::decode_cursor("nope").is_err());
        let time = DateTime::parse_from_rfc3339("2026-12-07T02:12:12.123456789Z").map(|t| t.with_timezone(&Utc));
        for (key, value) in [
            (SortKey::CommunityName, KeyValue::Text("Soins: palliatifs, été".into())),
            (SortKey::ThreadTitle, KeyValue::Text(String::new())),
            // The longest title, in the widest characters, fits under the cursor bound.
            (SortKey::ThreadTitle, KeyValue::Text("𝄞".repeat(crate::service::validate::TITLE_MAX))),
            (SortKey::MemberName, KeyValue::Text("𝄞".repeat(crate::service::validate::NAME_MAX))),
            (SortKey::PostCreatedAt, KeyValue::Time(time.unwrap_or_default())),
        ] {
            for desc in [false, true] {
                let cursor = ListCursor {
                    order: ListOrder { key: Some(key), desc },
                    place: Position { id: 42, key: Some(value.clone()) },
                };
                assert_eq!(ListCursor::decode_cursor(&cursor.encode_cursor()).ok(), Some(cursor));
            }
        }
    }

    #[test]
    fn tampered_cursors_are_refused() {
        for text in [
            "k:cn:a:1",
            "k:zz:a:1:x",
            "k:cn:x:1:x",
            "k:cn:a:one:x",
            "k:cc:a:1:yesterday",
            "k:cc:a:99999999999:2026-01-01T00:00:00Z",
            "c:1 OR 1=1",
            "k:cn:a:1:nul\u{0}",
            "k:tt:a:1:two\nlines",
        ] {
            assert!(ListCursor::decode_cursor(&URL_SAFE_NO_PAD.encode(text)).is_err(), "{text}");
        }
        let long = URL_SAFE_NO_PAD.encode(format!("k:cn:a:1:{}", "x".repeat(MAX_CURSOR_LEN)));
        assert!(ListCursor::decode_cursor(&long).is_err());
    }
}
