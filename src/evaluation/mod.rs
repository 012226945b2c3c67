//! Evaluating community planners (考评): service records logged against an appointment,
//! evaluation sheets kept as data (Binjiang's 100-point term sheet, Putuo's four criteria),
//! evaluations of an appointment over a year or its term pre-filled from what lantu records —
//! projects taken part in, participation events, the needs list, petitions, hours, projects
//! completed and residents' satisfaction — each with its evidence, scored and adjusted by the
//! evaluator with reasons (audited), submitted and confirmed (then frozen). A confirmed failing
//! result refuses the appointment's renewal.

pub mod demo;
pub mod evidence;
pub mod records;
pub mod report;
pub mod routes;
pub mod sheet;
pub mod store;
pub mod template;

pub use routes::renewal_refusal;
pub use template::Templates;

use utoipa::OpenApi;

/// The evaluation API's paths and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::templates,
        routes::records,
        routes::log_service,
        routes::add_record_file,
        routes::withdraw_record,
        routes::file,
        routes::create,
        routes::list,
        routes::one,
        routes::score,
        routes::add_summary,
        routes::submit,
        routes::confirm,
        report::table,
        report::table_csv
    ),
    components(schemas(
        routes::TemplateList,
        routes::NewEvaluation,
        routes::EvaluationSummary,
        routes::EvaluationList,
        routes::ScoreInput,
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
