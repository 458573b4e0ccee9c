//! Business rules. Each function takes the viewer and a connection, checks who may do
//! what, validates input, and writes in one transaction. Nothing here knows HTTP or
//! GraphQL, so the same rules serve the API, the CLI and the tests.

pub mod access;
pub mod audit;
pub mod community;
pub mod discussion;
pub mod organization;
pub mod page;
pub mod person;
pub mod token;
pub mod validate;
