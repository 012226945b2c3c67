//! Community planners (社区规划师) in the system: accounts, teams, appointments. Who may do
//! what with them is decided in [`crate::policy`].

pub mod cli;
pub mod demo;
pub mod model;
pub mod password;
pub mod routes;
pub mod service;
mod store;

pub use model::{
    AgreementTerms, Appointment, Contact, Holder, MemberRole, NewAppointment, NewUser, Team,
    TeamKind, User, china_day, valid_login,
};
