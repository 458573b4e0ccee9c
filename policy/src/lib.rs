//! Authorization for Maillage: who may see and do what, where.
//!
//! - [`vocabulary`]: the typed words (scopes, roles, objects, actions, attributes);
//! - [`rules`]: policy lines, their validation and CSV form (`model.conf` and
//!   `default_policy.csv` beside this crate are the readable source);
//! - [`store`]: the policy in the database and its generation number;
//! - [`adapter`]: the casbin adapter over sea-orm 2;
//! - [`authorizer`]: decisions, cached, explained;
//! - [`resolve`]: a person's effective roles in a scope, from the data;
//! - [`rank`]: ranks of community roles (who may grant which role, act on whom).
//!
//! No HTTP, no GraphQL here.

pub mod adapter;
pub mod authorizer;
pub mod error;
pub mod rank;
pub mod resolve;
pub mod rules;
pub mod store;
pub mod vocabulary;

pub use authorizer::{Authorizer, Decision, Denied, Effect, Question, evaluate};
pub use error::PolicyError;
pub use rules::Rule;
pub use vocabulary::{Action, Attrs, Object, Role, Scope, ScopeKind};
