//! Errors of the policy crate.
//!
//! What is wrong with a rule is typed ([`Invalid`]), with the data it names (role, scope,
//! object, value, line), so that callers can say it in their own words and language;
//! `Display` is English, for logs and the command line.

use crate::rules::P_FIELDS;

/// Why a policy operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A rule or policy file is not valid: `problem` says what, `line` where (the line
    /// of a CSV policy, from 1), when it comes from one.
    #[error("{}{problem}", line.map(|n| format!("line {n}: ")).unwrap_or_default())]
    Invalid { line: Option<usize>, problem: Invalid },
    /// The database failed.
    #[error("policy storage: {0}")]
    Storage(#[from] sea_orm::DbErr),
    /// casbin refused the model or the rules.
    #[error("policy engine: {0}")]
    Engine(String),
}

/// What is wrong with a policy line, or with a set of lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// A `g` line does not have two roles.
    #[error("a g line has exactly two roles")]
    InheritanceFields,
    /// The line is neither `p` nor `g`.
    #[error("unknown line type {found:?} (p or g)")]
    UnknownLineType { found: String },
    /// A role inherits a role of another kind of scope (or of none).
    #[error("{role} can only inherit a role of the same kind of scope, not {inherited}")]
    InheritsOtherKind { role: String, inherited: String },
    /// A role inherits itself.
    #[error("{role} cannot inherit itself")]
    InheritsItself { role: String },
    /// A `p` line has `found` fields instead of [`P_FIELDS`].
    #[error(
        "a p line has {} fields (role, scope, object, action, visibility, policy, state, effect), not {found}",
        P_FIELDS
    )]
    PermissionFields { found: usize },
    /// No such role.
    #[error("unknown role {role:?}")]
    UnknownRole { role: String },
    /// No such scope (domain).
    #[error("unknown scope {scope:?}")]
    UnknownScope { scope: String },
    /// The role does not count in the rule's kind of scope.
    #[error("role {role} does not count in {scope} scopes")]
    RoleOutOfScope { role: String, scope: String },
    /// No such object.
    #[error("unknown object {object:?}")]
    UnknownObject { object: String },
    /// The object does not live in the rule's kind of scope.
    #[error("object {object} is not found in {scope} scopes")]
    ObjectOutOfScope { object: String, scope: String },
    /// No such action.
    #[error("unknown action {action:?}")]
    UnknownAction { action: String },
    /// An attribute's value is not one of those `allowed`.
    #[error("{} {value:?} is not one of {}", attribute.as_str(), allowed.join(", "))]
    NotAllowed { attribute: Attribute, value: String, allowed: &'static [&'static str] },
    /// Role inheritance loops back: `cycle` goes from a role back to itself.
    #[error("role inheritance has a cycle: {} (each role would hold every other)", cycle.join(" -> "))]
    InheritanceCycle { cycle: Vec<String> },
}

/// The attribute fields of a `p` line after its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    Visibility,
    MembershipPolicy,
    State,
    Effect,
}

impl Attribute {
    /// Its name in English, as `Display` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visibility => "visibility",
            Self::MembershipPolicy => "membership policy",
            Self::State => "state",
            Self::Effect => "effect",
        }
    }
}

impl PolicyError {
    pub(crate) fn invalid(problem: Invalid) -> Self {
        Self::Invalid { line: None, problem }
    }

    pub(crate) fn at_line(self, n: usize) -> Self {
        match self {
            Self::Invalid { problem, .. } => Self::Invalid { line: Some(n), problem },
            other => other,
        }
    }
}

impl From<Invalid> for PolicyError {
    fn from(problem: Invalid) -> Self {
        Self::invalid(problem)
    }
}

impl From<casbin::Error> for PolicyError {
    fn from(err: casbin::Error) -> Self {
        Self::Engine(err.to_string())
    }
}
