//! The API test suite. Every test in a module that ends with `on_both_backends!` runs twice,
//! on the embedded SQLite store and on PostGIS, each time on a fresh database.

mod helpers;

mod connections;
mod durability;
mod hardening;
mod history;
mod needs;
mod public;
mod replicas;

mod auth;
mod bad_input;
mod cli;
mod clients;
mod coverage;
mod dashboard;
mod evaluation;
mod exports;
mod filters;
mod network;
mod ogc;
mod people;
mod projects;
mod shutdown;
mod sites;
mod store;
mod tiles;
mod units;
