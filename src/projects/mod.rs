//! Community renewal projects (社区更新项目): linked to sites and to the needs they answer,
//! moved through checked stages — proposal → hearing held (事前听证会) → approved → design
//! (事中协调会) → funded → in construction → completed → reviewed (事后评议会) → in operation,
//! or withdrawn — with their meetings, publications (公示), funding by source, satisfaction
//! surveys, and their place in the sub-district's 3-year reserve and annual plan. Each step is
//! told to the needs the project answers, and so to their followers.

pub mod api;
pub mod index;
pub mod media;
pub mod model;
pub mod reserve;
pub mod routes;
pub mod store;

pub use model::{FundingSource, MeetingKind, Stage};

use utoipa::OpenApi;

/// The projects API's paths and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::list,
        routes::one,
        routes::create,
        routes::patch,
        routes::stage,
        routes::meeting,
        routes::publication,
        routes::funding,
        routes::survey,
        reserve::reserve,
        media::add_photo,
        media::photo,
        media::comment,
        media::comments,
        media::add_attachment,
        media::attachment
    ),
    components(schemas(
        routes::ProjectFeature,
        api::Project,
        api::ProjectSummary,
        api::ProjectList,
        api::NewProject,
        api::ProjectPatch,
        api::StageInput,
        api::MeetingInput,
        api::PublicationInput,
        api::FundingInput,
        api::SurveyInput,
        api::Meeting,
        api::Publication,
        api::Funding,
        api::Survey,
        api::StageStep,
        reserve::Reserve,
        api::ProjectPhoto,
        api::Attachment,
        api::Comment,
        api::CommentInput,
        reserve::ReserveEntry,
        Stage,
        MeetingKind,
        FundingSource
    ))
)]
pub struct ProjectsApi;
