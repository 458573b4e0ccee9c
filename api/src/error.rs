//! The one error type of the service layer, and how it reaches GraphQL clients.
//!
//! Services return [`ServiceError`]; the GraphQL layer turns it into an error whose
//! `extensions.code` is one of the codes of `DESIGN.md`. Internal errors are logged with
//! their detail and reach the client as a bare `INTERNAL`.

use sea_orm::{DbErr, SqlErr, TransactionError};

/// What went wrong, as a client should learn it.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The operation needs a logged-in person.
    #[error("you must be logged in to do this")]
    Unauthenticated,
    /// The person is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or the person may not know it exists.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// An input field is invalid.
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    /// The input clashes with existing data (a slug already taken…).
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// Too many requests of this kind for now; trying again later works.
    #[error("{0}")]
    RateLimited(String),
    /// The database did not answer in time (a held lock, a busy file, no free
    /// connection); trying again later may work.
    #[error("the service is busy; try again shortly")]
    Unavailable,
    /// Anything else; the detail is logged, never shown.
    #[error("internal error")]
    Internal(String),
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

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput { field: field.into(), message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
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
            return Self::Conflict { field: "input".into(), message: "already exists".into() };
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
            return Self::BadInput {
                field: "input".into(),
                message: "contains characters that are not allowed".into(),
            };
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
        match err {
            policy::PolicyError::Invalid(message) => Self::BadInput { field: "policy".into(), message },
            policy::PolicyError::Storage(db) => db.into(),
            policy::PolicyError::Engine(detail) => {
                tracing::error!(%detail, "policy engine error");
                Self::Internal(detail)
            }
        }
    }
}

impl From<policy::Denied> for ServiceError {
    /// The person learns what they may not do; which of their roles and rules decided
    /// stays in the log (and in `checkAccess`, for those who may ask it).
    fn from(denied: policy::Denied) -> Self {
        Self::Forbidden(denied.message)
    }
}
