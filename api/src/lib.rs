//! The Maillage server: a GraphQL backend for networks of organisations that run
//! communities of practice together.
//!
//! Data flows one way: HTTP ([`server`]) → authentication ([`auth`]) → thin GraphQL
//! resolvers ([`graphql`]) → services with the rules ([`service`]) → `entity` / sea-orm.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod graphql;
pub mod http;
pub mod i18n;
pub mod seed;
pub mod server;
pub mod service;
pub mod storage;
pub mod telemetry;
pub mod watch;
