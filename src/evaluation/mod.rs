//! Evaluating community planners (考评): service records logged against an appointment,
//! evaluation sheets kept as data (Binjiang's 100-point term sheet, Putuo's four criteria),
//! evaluations of an appointment over a year or its term pre-filled from what lantu records —
//! projects taken part in, participation events, the needs list, petitions, hours, projects
//! completed and residents' satisfaction — each with its evidence, scored and adjusted by the
//! evaluator with reasons (audited), submitted and confirmed (then frozen). A confirmed failing
//! result refuses the appointment's renewal.

pub mod demo;
pub mod evidence;
pub mod loaded;
pub mod record_store;
pub mod records;
pub mod report;
pub mod routes;
pub mod scoring;
pub mod service;
pub mod sheet;
pub mod store;
pub mod template;

pub use scoring::renewal_refusal;
pub use template::Templates;

use utoipa::OpenApi;

/// The evaluation API's paths and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::templates,
        service::records,
        service::log_service,
        service::add_record_file,
        service::withdraw_record,
        service::file,
        routes::create,
        routes::list,
        routes::one,
        scoring::score,
        scoring::add_summary,
        scoring::submit,
        scoring::confirm,
        report::table,
        report::table_csv
    ),
    components(schemas(
        routes::TemplateList,
        routes::NewEvaluation,
        routes::EvaluationSummary,
        routes::EvaluationList,
        scoring::ScoreInput,
        report::Table,
        report::TableRow,
        records::ServiceInput,
        records::ServiceRecord,
        records::ServiceRecordList,
        records::RecordFile,
        records::ServiceKind,
        sheet::Sheet,
        sheet::SheetGroup,
        sheet::SheetItem,
        sheet::Adjustment,
        sheet::ItemEvidence,
        sheet::Evaluated,
        evidence::Evidence,
        evidence::Metric,
        template::Template,
        template::Group,
        template::Item,
        template::Rule,
        template::Manual,
        template::Band,
        template::ResultLevel,
        template::Renewal
    ))
)]
pub struct EvaluationApi;
