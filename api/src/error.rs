//! The one error type of the service layer, and how it reaches GraphQL clients.
//!
//! Services return [`ServiceError`]; the GraphQL layer turns it into an error whose
//! `extensions.code` is one of the codes of `DESIGN.md`. Internal errors are logged with
//! their detail and reach the client as a bare `INTERNAL`.

use sea_orm::{DbErr, SqlErr, TransactionError};

use crate::i18n::Message;

/// What went wrong, as a client should learn it. Messages are rendered in the request's
/// language when displayed ([`crate::i18n`]); codes and fields never change with it.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The operation needs a logged-in person.
    #[error("{}", Message::new("unauthenticated"))]
    Unauthenticated,
    /// The person is known but may not do this.
    #[error("{0}")]
    Forbidden(Message),
    /// The thing does not exist, or the person may not know it exists.
    #[error("{}", not_found_message(what))]
    NotFound { what: &'static str },
    /// An input field is invalid.
    #[error("{field}: {message}")]
    BadInput { field: String, message: Message },
    /// The input clashes with existing data (a slug already taken…).
    #[error("{field}: {message}")]
    Conflict { field: String, message: Message },
    /// Too many requests of this kind for now; trying again later works.
    #[error("{0}")]
    RateLimited(Message),
    /// The database did not answer in time (a held lock, a busy file, no free
    /// connection); trying again later may work.
    #[error("{}", Message::new("unavailable"))]
    Unavailable,
    /// Anything else; the detail is logged, never shown.
    #[error("{}", Message::new("internal"))]
    Internal(String),
}

/// "… not found", for a kind of thing named in English (`"wiki page"`).
fn not_found_message(what: &str) -> Message {
    Message::new("not-found").arg("what", what.replace(' ', "-").to_lowercase())
}

/// Shorthand for service results.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// The `extensions.code` clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound { .. } => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited(_) => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The input field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field, .. } | Self::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<Message>) -> Self {
        Self::BadInput { field: field.into(), message: message.into() }
    }

    pub fn forbidden(message: impl Into<Message>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { what }
    }
}

impl From<DbErr> for ServiceError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            // A race lost to a concurrent insert: the explicit checks in services
            // normally answer first, with the field named.
            tracing::info!(%detail, "unique constraint violation");
            return Self::Conflict { field: "input".into(), message: Message::new("already-exists") };
        }
        if let Some(SqlErr::ForeignKeyConstraintViolation(detail)) = err.sql_err() {
            tracing::info!(%detail, "foreign key violation");
            return Self::NotFound { what: "referenced record" };
        }
        if crate::db::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return Self::Unavailable;
        }
        if crate::db::is_unstorable_text(&err) {
            // Validators refuse such text first; this catches an input that skipped them.
            tracing::warn!(error = %err, "text the database cannot store");
            return Self::BadInput { field: "input".into(), message: Message::new("not-allowed-characters") };
        }
        tracing::error!(error = %err, "database error");
        Self::Internal(err.to_string())
    }
}

impl From<TransactionError<ServiceError>> for ServiceError {
    fn from(err: TransactionError<ServiceError>) -> Self {
        match err {
            TransactionError::Connection(db) => db.into(),
            TransactionError::Transaction(inner) => inner,
        }
    }
}

impl From<policy::PolicyError> for ServiceError {
    fn from(err: policy::PolicyError) -> Self {
        Self::from_policy("policy", err)
    }
}

impl ServiceError {
    /// A policy error; a rule that does not hold together is `BAD_USER_INPUT` on `field`,
    /// said in the request's language.
    pub fn from_policy(field: &str, err: policy::PolicyError) -> Self {
        match err {
            policy::PolicyError::Invalid { line, problem } => {
                Self::BadInput { field: field.into(), message: invalid_policy_message(line, &problem) }
            }
            policy::PolicyError::Storage(db) => db.into(),
            policy::PolicyError::Engine(detail) => {
                tracing::error!(%detail, "policy engine error");
                Self::Internal(detail)
            }
        }
    }
}

/// What is wrong with a policy rule, from the catalogue, with the line of the CSV file
/// when there is one.
fn invalid_policy_message(line: Option<usize>, problem: &policy::error::Invalid) -> Message {
    use policy::error::{Attribute, Invalid};
    let message = match problem {
        Invalid::InheritanceFields => Message::new("policy-rule-inheritance-fields"),
        Invalid::UnknownLineType { found } => Message::new("policy-rule-line-type").arg("found", found.as_str()),
        Invalid::InheritsOtherKind { role, inherited } => Message::new("policy-rule-inherits-other-kind")
            .arg("role", role.as_str())
            .arg("inherited", inherited.as_str()),
        Invalid::InheritsItself { role } => Message::new("policy-rule-inherits-itself").arg("role", role.as_str()),
        Invalid::PermissionFields { found } => {
            Message::new("policy-rule-permission-fields").arg("expected", policy::rules::P_FIELDS).arg("found", *found)
        }
        Invalid::UnknownRole { role } => Message::new("policy-rule-unknown-role").arg("role", role.as_str()),
        Invalid::UnknownScope { scope } => Message::new("policy-rule-unknown-scope").arg("scope", scope.as_str()),
        Invalid::RoleOutOfScope { role, scope } => {
            Message::new("policy-rule-role-out-of-scope").arg("role", role.as_str()).arg("scope", scope.as_str())
        }
        Invalid::UnknownObject { object } => Message::new("policy-rule-unknown-object").arg("object", object.as_str()),
        Invalid::ObjectOutOfScope { object, scope } => {
            Message::new("policy-rule-object-out-of-scope").arg("object", object.as_str()).arg("scope", scope.as_str())
        }
        Invalid::UnknownAction { action } => Message::new("policy-rule-unknown-action").arg("action", action.as_str()),
        Invalid::NotAllowed { attribute, value, allowed } => {
            let attribute = match attribute {
                Attribute::Visibility => "visibility",
                Attribute::MembershipPolicy => "membership-policy",
                Attribute::State => "state",
                Attribute::Effect => "effect",
            };
            Message::new("policy-rule-value-not-allowed")
                .arg("attribute", attribute)
                .arg("value", value.as_str())
                .arg("allowed", allowed.join(", "))
        }
        Invalid::InheritanceCycle { cycle } => {
            Message::new("policy-rule-inheritance-cycle").arg("cycle", cycle.join(" -> "))
        }
    };
    match line {
        Some(n) => Message::new("policy-rule-at-line").arg("line", n).arg("problem", message),
        None => message,
    }
}

impl From<policy::Denied> for ServiceError {
    /// The person learns what they may not do; which of their roles and rules decided
    /// stays in the log (and in `checkAccess`, for those who may ask it).
    fn from(denied: policy::Denied) -> Self {
        Self::Forbidden(
            Message::new("denied").arg("action", denied.action.as_str()).arg("object", denied.object.as_str()),
        )
    }
}
