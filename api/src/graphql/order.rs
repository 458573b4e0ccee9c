//! `orderBy` of lists: one input per list naming the fields it may be sorted by, and the
//! direction shared by all. Fields are enums, so nothing a client sends reaches SQL but
//! a column the server chose; the id always breaks ties (see [`crate::service::page`]).

use async_graphql::{Enum, InputObject};

use crate::service::page::{ListOrder, SortKey};

/// Which way a list is sorted.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Smallest first: A to Z (in the database's collation), oldest first.
    #[default]
    Asc,
    /// Largest first: Z to A, newest first.
    Desc,
}

/// An `orderBy` input of some list.
pub trait OrderInput {
    /// The order it asks for.
    fn list_order(&self) -> ListOrder;
}

/// The order of `input`, the list's default order (by id, oldest first) without one.
pub fn list_order<O: OrderInput>(input: Option<&O>) -> ListOrder {
    input.map(OrderInput::list_order).unwrap_or_default()
}

macro_rules! order_input {
    (
        $(#[$meta:meta])* $input:ident, $(#[$fmeta:meta])* $field:ident {
            $($(#[$vmeta:meta])* $variant:ident => $key:ident),+ $(,)?
        }
    ) => {
        $(#[$fmeta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $field {
            $($(#[$vmeta])* $variant,)+
        }

        $(#[$meta])*
        #[derive(InputObject, Debug, Clone, Copy)]
        pub struct $input {
            /// The field to sort by; rows with the same value come in id order (in
            /// the same direction), so pages never skip nor repeat one.
            pub field: $field,
            /// Ascending (the default) or descending.
            #[graphql(default)]
            pub direction: OrderDirection,
        }

        impl OrderInput for $input {
            fn list_order(&self) -> ListOrder {
                let key = match self.field { $($field::$variant => SortKey::$key,)+ };
                ListOrder { key: Some(key), desc: self.direction == OrderDirection::Desc }
            }
        }
    };
}

order_input!(
    /// How `communities` is sorted.
    CommunityOrder,
    /// A field `communities` may be sorted by.
    CommunityOrderField {
        /// The community's name.
        Name => CommunityName,
        /// The community's slug.
        Slug => CommunitySlug,
        /// When the community was created.
        CreatedAt => CommunityCreatedAt,
    }
);

order_input!(
    /// How `Community.members` is sorted.
    MemberOrder,
    /// A field `Community.members` may be sorted by.
    MemberOrderField {
        /// When the person first joined, asked to join or was invited (`Membership.createdAt`).
        CreatedAt => MembershipCreatedAt,
        /// The member's display name (`Person.displayName`).
        Name => MemberName,
    }
);

order_input!(
    /// How `Community.threads` is sorted.
    ThreadOrder,
    /// A field `Community.threads` may be sorted by.
    ThreadOrderField {
        /// When the thread was started.
        CreatedAt => ThreadCreatedAt,
        /// The thread's title.
        Title => ThreadTitle,
    }
);

order_input!(
    /// How `Thread.posts` is sorted.
    PostOrder,
    /// A field `Thread.posts` may be sorted by.
    PostOrderField {
        /// When the reply was written.
        CreatedAt => PostCreatedAt,
    }
);

order_input!(
    /// How `auditEvents` is sorted.
    AuditEventOrder,
    /// A field `auditEvents` may be sorted by.
    AuditEventOrderField {
        /// When the change happened (`AuditEvent.createdAt`).
        CreatedAt => AuditCreatedAt,
    }
);

order_input!(
    /// How `documents` is sorted.
    DocumentOrder,
    /// A field `documents` may be sorted by.
    DocumentOrderField {
        /// The document's title.
        Title => DocumentTitle,
        /// When the document was created.
        CreatedAt => DocumentCreatedAt,
        /// When the document last changed (a new version, a new description, a new status).
        UpdatedAt => DocumentUpdatedAt,
    }
);
