//! HTTP endpoints that are not GraphQL, one file each, and the GraphQL-over-HTTP rules of
//! `/graphql` (`graphql_http`).

pub mod calendar;
pub mod client_ip;
pub mod compression;
pub mod files;
pub mod graphql_http;
pub mod health;
pub mod language;
pub mod metrics;
pub mod oauth;
pub mod reports;
pub mod response_size;
pub mod shutdown;
