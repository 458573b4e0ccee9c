//! HTTP endpoints that are not GraphQL, one file each.

pub mod health;
