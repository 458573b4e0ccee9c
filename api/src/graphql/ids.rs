//! Opaque global ids (`node(id:)`) and list cursors.
//!
//! A global id is base64url of `Type:number`; a cursor is base64url of `c:number`. Clients
//! must treat both as opaque strings.

use async_graphql::{ID, connection::CursorType};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::ServiceError;

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
}

impl NodeKind {
    const ALL: [NodeKind; 12] = [
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
    ];

    fn name(self) -> &'static str {
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
        }
    }
}

/// The global id of an object.
pub fn to_global(kind: NodeKind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Reads any global id; `field` names the input for the error.
pub fn from_global_any(field: &str, id: &ID) -> Result<(NodeKind, i32), ServiceError> {
    let bad = || ServiceError::bad_input(field, "is not a valid id");
    if id.len() > 64 {
        return Err(bad());
    }
    let decoded = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (name, number) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeKind::ALL.into_iter().find(|k| k.name() == name).ok_or_else(bad)?;
    let number = number.parse::<i32>().map_err(|_| bad())?;
    Ok((kind, number))
}

/// Reads a global id that must be of `kind`.
pub fn from_global(field: &str, kind: NodeKind, id: &ID) -> Result<i32, ServiceError> {
    match from_global_any(field, id)? {
        (k, n) if k == kind => Ok(n),
        _ => Err(ServiceError::bad_input(field, format!("is not the id of a {}", kind.name()))),
    }
}

/// A position in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdCursor(pub i32);

impl CursorType for IdCursor {
    type Error = ServiceError;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bad = || ServiceError::bad_input("cursor", "is not a valid cursor");
        if s.len() > 32 {
            return Err(bad());
        }
        let decoded = URL_SAFE_NO_PAD.decode(s.as_bytes()).map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        let number = text.strip_prefix("c:").ok_or_else(bad)?;
        number.parse::<i32>().map(IdCursor).map_err(|_| bad())
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("c:{}", self.0))
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
    fn cursors_round_trip() {
        let c = IdCursor(7).encode_cursor();
        assert_eq!(IdCursor::decode_cursor(&c).ok(), Some(IdCursor(7)));
        assert!(IdCursor::decode_cursor("nope").is_err());
    }
}
