//! Needs list (需求清单): what residents ask for, on the map. A resident submits a need
//! without an account (a point, a short line or a small area; a category from the catalogue;
//! text; photos with their metadata stripped; an optional contact that is never public) and
//! gets a receipt code to follow it by. The need lands in its unit's moderation queue (the
//! sub-district planner team appointed there), which accepts, declines, merges or hides it;
//! others support it (+1) or flag it (three flags hide it until a moderator decides). Each need
//! shows how far it is to walk to the facilities it concerns, and the queue groups needs by
//! life-circle gap. Its trail (what became of it) is public, as a page, an Atom feed and
//! e-mails to its followers ([`mail`]).

pub mod actions;
pub mod api;
pub mod catalogue;
pub mod feed;
pub mod gaps;
pub mod index;
pub mod mail;
pub mod model;
pub mod photo;
pub mod query;
pub mod receipt;
pub mod routes;
pub mod store;

pub use catalogue::{NeedCatalogue, NeedCategory};
pub use index::NeedIndex;
pub use model::{Decision, FlagReason, Need, NeedEvent, NeedStatus, NewNeed};

use utoipa::OpenApi;

/// The needs API's paths and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::list,
        routes::one,
        routes::submit,
        actions::support,
        actions::flag,
        actions::decide,
        actions::add_photo,
        actions::photo,
        actions::track,
        actions::follow,
        actions::feed,
        actions::categories,
        actions::queue
    ),
    components(schemas(
        crate::ogc::contract::NeedPage,
        api::NeedFeature,
        api::NeedProperties,
        api::Nearest,
        api::Submitted,
        api::SupportInput,
        api::Supported,
        api::FlagInput,
        api::Flagged,
        api::DecisionInput,
        api::FollowInput,
        api::StatusLabel,
        api::NeedCategories,
        api::Gap,
        api::Queue,
        routes::NeedInput,
        routes::NeedInputProperties,
        NeedCategory,
        NeedEvent,
        NeedStatus,
        FlagReason
    ))
)]
pub struct NeedsApi;
