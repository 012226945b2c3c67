//! The `lantu` command line: parse, configure, call into the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use lantu::auth::{Role, generate_token};
use lantu::demo::DemoSources;
use lantu::http::rate::Budget;
use lantu::import::OnRefusal;
use lantu::server::{ServeOptions, serve};
use lantu::state::Settings;
use lantu::store::{self, Storage};
use lantu::version::Edit;

/// lantu 蓝图 — a GIS server for community planners (社区规划师).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Data folder of the embedded SQLite store (default ./data).
    #[arg(long, global = true, env = "LANTU_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL + PostGIS URL; when given, PostGIS is the store.
    #[arg(
        long,
        global = true,
        env = "LANTU_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (migrations run first).
    Serve(ServeArgs),
    /// Bring the store's schema up to date, then exit.
    Migrate,
    /// Import planning units or sites from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(lantu::planners::cli::UserCommand),
    /// Manage teams.
    #[command(subcommand)]
    Team(lantu::planners::cli::TeamCommand),
    /// Appoint a team or a person (聘任) to planning units for a term.
    Appoint(lantu::planners::cli::Appoint),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LANTU_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Load demo data into an empty store: Putuo from --shared-data, else fixtures/demo.
    #[arg(long, env = "LANTU_DEMO")]
    demo: bool,
    /// Where the shared real data lives (for --demo).
    #[arg(long, env = "LANTU_SHARED_DATA", default_value = "../shared/data")]
    shared_data: PathBuf,
    /// Largest request body accepted, in MB.
    #[arg(long, env = "LANTU_BODY_LIMIT_MB", default_value_t = 4)]
    body_limit_mb: usize,
    /// Public base URL for links, when behind a proxy (e.g. https://lantu.example.gov.cn).
    #[arg(long, env = "LANTU_PUBLIC_URL")]
    public_url: Option<String>,
    /// Tile cache size in MB; 0 turns it off.
    #[arg(long, env = "LANTU_TILE_CACHE_MB", default_value_t = 256)]
    tile_cache_mb: usize,
    /// The web page's folder (with node_modules from `npm ci`); default: web/ in the source tree.
    #[arg(long, env = "LANTU_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Seconds a client has to send a request's headers; idle keep-alive connections close after it.
    #[arg(long, env = "LANTU_HEADER_TIMEOUT_S", default_value_t = 10)]
    header_timeout_s: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "LANTU_BODY_TIMEOUT_S", default_value_t = 30)]
    body_timeout_s: u64,
    /// Connections open at once, in all.
    #[arg(long, env = "LANTU_MAX_CONNECTIONS", default_value_t = 8192)]
    max_connections: usize,
    /// Connections open at once from one address.
    #[arg(long, env = "LANTU_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    max_connections_per_address: usize,
    /// Anonymous requests per second per address (a read costs 1, an analysis 10-30, tiles nothing); 0 turns it off.
    #[arg(long, env = "LANTU_ANONYMOUS_RATE", default_value_t = 300.0)]
    anonymous_rate: f64,
    /// Anonymous requests an address may save up.
    #[arg(long, env = "LANTU_ANONYMOUS_BURST", default_value_t = 3000.0)]
    anonymous_burst: f64,
    /// Writes per second per token; 0 turns it off.
    #[arg(long, env = "LANTU_WRITE_RATE", default_value_t = 10.0)]
    write_rate: f64,
    /// Writes a token may save up.
    #[arg(long, env = "LANTU_WRITE_BURST", default_value_t = 100.0)]
    write_burst: f64,
    /// MB the life-circle distance tables may hold.
    #[arg(long, env = "LANTU_DISTANCE_CACHE_MB", default_value_t = 256)]
    distance_cache_mb: usize,
    /// Refuse PUT, PATCH and DELETE without If-Match (428). By default they apply to the
    /// current version and are audited as unconditional, as QGIS and OWSLib need.
    #[arg(long, env = "LANTU_REQUIRE_IF_MATCH")]
    require_if_match: bool,
    /// Residents' submissions (needs, photos) one address may make per minute, after a burst
    /// of ten.
    #[arg(long, env = "LANTU_SUBMISSIONS_PER_MINUTE", default_value_t = 10.0)]
    submissions_per_minute: f64,
    /// Residents' submissions from everyone together per minute, after a burst of 300.
    #[arg(
        long,
        env = "LANTU_ALL_SUBMISSIONS_PER_MINUTE",
        default_value_t = 600.0
    )]
    all_submissions_per_minute: f64,
    /// The SMTP relay that tells needs' followers of each step (smtp://host:port); without
    /// it, followers read the tracking page and the Atom feed, and e-mails wait in the outbox.
    #[arg(long, env = "LANTU_SMTP")]
    smtp: Option<String>,
    /// The sender of those e-mails.
    #[arg(long, env = "LANTU_SMTP_FROM", default_value = "lantu@localhost")]
    smtp_from: String,
}

#[derive(Args)]
struct ImportArgs {
    /// Files to import.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write the valid rows even if some are refused (default: write nothing).
    #[arg(long)]
    skip_invalid: bool,
    /// Read and check everything and report it, but write nothing (fails if anything would be
    /// refused).
    #[arg(long, conflicts_with = "skip_invalid")]
    dry_run: bool,
    /// The CRS of files that name none: a CSV (WGS84, GCJ-02, BD-09 or an EPSG code), a
    /// Shapefile without a .prj, a GeoPackage layer left undefined.
    #[arg(long)]
    crs: Option<String>,
    /// Recorded as the author of the new versions.
    #[arg(long, default_value = "cli-import")]
    author: String,
    /// Recorded as the reason for the new versions.
    #[arg(long)]
    message: Option<String>,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Units: a CSV of the hierarchy (level,code,name,parent_code) and boundaries as GeoJSON,
    /// Shapefile or GeoPackage (file.gpkg, or file.gpkg:layer when it holds several).
    Units(ImportArgs),
    /// Sites: GeoJSON, Shapefile or GeoPackage features with name, element_type, optional
    /// description and status.
    Sites(ImportArgs),
    /// An OpenStreetMap extract (.osm XML or .osm.pbf): the walking network, facilities and homes.
    Osm {
        /// The .osm or .osm.pbf file.
        file: PathBuf,
        /// The name it is stored under (default: the file name); a re-import replaces it.
        #[arg(long)]
        source: Option<String>,
        /// Count what a catalogue option describes (repeatable): unlevelled_schools_as_primary,
        /// unlevelled_schools_as_junior_high, supermarkets, convenience_stores. The import says
        /// what each would have added.
        #[arg(long = "count", value_name = "OPTION")]
        count: Vec<String>,
        /// A walking rule beyond the defaults (repeatable): cycleways (walk cycleways without a
        /// foot tag), trails (walk highway=trail), step_free (no steps: wheelchairs, prams),
        /// across_squares (walk pedestrian areas straight across, not only round their edge).
        #[arg(long = "walk", value_name = "RULE")]
        walk: Vec<String>,
        /// A home rule (repeatable): buildings_in_residential_land (buildings tagged only
        /// building=yes count as homes where they stand in residential land).
        #[arg(long = "homes", value_name = "RULE")]
        homes: Vec<String>,
    },
    /// Facilities of one catalogue category from GeoJSON points (areas walk from a point inside).
    Facilities {
        /// The GeoJSON, Shapefile or GeoPackage (file.gpkg[:layer]) file, or a CSV of points
        /// (lng/lat columns) with --crs.
        file: PathBuf,
        /// The catalogue category (e.g. kindergarten, metro_station); see /api/coverage/categories.
        #[arg(long)]
        category: String,
        /// The name it is stored under (default: the file name); a re-import replaces it.
        #[arg(long)]
        source: Option<String>,
        /// Write the valid features even if some are refused (default: write nothing).
        #[arg(long)]
        skip_invalid: bool,
        /// Read and check everything and report it, but write nothing.
        #[arg(long, conflicts_with = "skip_invalid")]
        dry_run: bool,
        /// A CSV's coordinate system (a CSV names none): WGS84, GCJ-02 (Amap, Tencent), BD-09
        /// (Baidu) or an EPSG code; also for a Shapefile without a .prj.
        #[arg(long)]
        crs: Option<String>,
    },
    /// Homes from polygons or points, with population given (property `population`), joined
    /// from a table, or estimated from floor area (flagged as estimated).
    Homes {
        /// The GeoJSON, Shapefile or GeoPackage (file.gpkg[:layer]) file, or a CSV of points
        /// with --crs.
        file: PathBuf,
        /// The name it is stored under (default: the file name); a re-import replaces it.
        #[arg(long)]
        source: Option<String>,
        /// A CSV of `key,population` to join on the property named by --key.
        #[arg(long)]
        population_table: Option<PathBuf>,
        /// The feature property the population table's keys match.
        #[arg(long, default_value = "name")]
        key: String,
        /// Estimate: residential floor area per resident, m².
        #[arg(long, default_value_t = 37.0)]
        m2_per_person: f64,
        /// Estimate: floor area ratio of residential land without floor area or levels.
        #[arg(long, default_value_t = 2.0)]
        far: f64,
        /// Write the valid features even if some are refused (default: write nothing).
        #[arg(long)]
        skip_invalid: bool,
        /// Read and check everything and report it, but write nothing.
        #[arg(long, conflicts_with = "skip_invalid")]
        dry_run: bool,
        /// A CSV's coordinate system, as for facilities.
        #[arg(long)]
        crs: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// A service token's role: admin, planner or analyst (with --user: the user's roles).
        #[arg(long, required_unless_present = "user")]
        role: Option<String>,
        /// A service token's name, recorded as the author of its edits.
        #[arg(long, required_unless_present = "user")]
        name: Option<String>,
        /// The user the token acts for (their login name).
        #[arg(long, conflicts_with_all = ["role", "name"])]
        user: Option<String>,
        /// Days until it stops working (0: never; not advised).
        #[arg(long, default_value_t = 365)]
        expires_in_days: u32,
    },
    /// Revoke every live token of a holder, at once (the running server checks each request).
    Revoke {
        /// The holder's name, as given at `token create`.
        #[arg(long)]
        name: String,
    },
    /// List tokens: holder, role, created, expires, revoked (never the tokens themselves).
    List,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LANTU_LOG")
                .unwrap_or_else(|_| "lantu=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let storage = lantu::config::storage(cli.data_dir, cli.database_url)?;
    match cli.command {
        Command::Serve(args) => {
            let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
            serve(ServeOptions {
                listen: args.listen,
                storage,
                settings: Settings {
                    body_limit: args.body_limit_mb * 1024 * 1024,
                    public_url: args.public_url,
                    tile_cache_bytes: args.tile_cache_mb * 1024 * 1024,
                    web_dir: args.web_dir.unwrap_or_else(|| Settings::default().web_dir),
                    header_timeout: Duration::from_secs(args.header_timeout_s.max(1)),
                    body_timeout: Duration::from_secs(args.body_timeout_s.max(1)),
                    max_connections: args.max_connections.max(1),
                    max_connections_per_address: args.max_connections_per_address.max(1),
                    anonymous_rate: Budget {
                        per_second: args.anonymous_rate,
                        burst: args.anonymous_burst,
                    },
                    write_rate: Budget {
                        per_second: args.write_rate,
                        burst: args.write_burst,
                    },
                    distance_cache_bytes: args.distance_cache_mb * 1024 * 1024,
                    require_if_match: args.require_if_match,
                    submission_rate: Budget {
                        per_second: args.submissions_per_minute / 60.0,
                        burst: 10.0,
                    },
                    all_submissions_rate: Budget {
                        per_second: args.all_submissions_per_minute / 60.0,
                        burst: 300.0,
                    },
                },
                smtp: args
                    .smtp
                    .map(|url| lantu::needs::mail::Smtp::parse(&url, &args.smtp_from))
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
                demo: args.demo.then_some(DemoSources {
                    shared_data: args.shared_data,
                    fixtures,
                }),
            })
            .await?;
        }
        Command::Migrate => {
            let store = store::open(&storage).await?;
            println!("{storage:?} is up to date");
            store.close().await;
        }
        Command::Import(command) => return import(&storage, command).await,
        Command::User(command) => {
            let store = store::open(&storage).await?;
            let code = lantu::planners::cli::user(&store, command).await;
            store.close().await;
            return code;
        }
        Command::Team(command) => {
            let store = store::open(&storage).await?;
            let code = lantu::planners::cli::team(&store, command).await;
            store.close().await;
            return code;
        }
        Command::Appoint(args) => {
            let store = store::open(&storage).await?;
            let code = lantu::planners::cli::appoint(&store, args).await;
            store.close().await;
            return code;
        }
        Command::Token(TokenCommand::Create {
            role,
            name,
            user,
            expires_in_days,
        }) => {
            let store = store::open(&storage).await?;
            let (name, role, user_id) = match user {
                Some(login) => {
                    let (user, _) = store
                        .user_by_login(&login)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no user {login}; see `lantu user list`"))?;
                    let role = user.roles.first().copied().unwrap_or(Role::Planner);
                    (
                        format!("{login}-{}", chrono::Utc::now().format("%Y%m%d%H%M%S")),
                        role,
                        Some(user.id),
                    )
                }
                None => {
                    let (role, name) = (role.unwrap_or_default(), name.unwrap_or_default());
                    let role = Role::parse(&role).ok_or_else(|| {
                        anyhow::anyhow!("--role must be admin, planner or analyst, not {role:?}")
                    })?;
                    (name, role, None)
                }
            };
            let (token, hash) = generate_token()?;
            let expires = (expires_in_days > 0)
                .then(|| chrono::Utc::now() + chrono::Duration::days(i64::from(expires_in_days)));
            store
                .create_token(&name, role, &hash, expires, user_id)
                .await?;
            store.close().await;
            let until = expires.map_or("never expires".to_string(), |t| {
                format!("valid until {}", t.format("%Y-%m-%d %H:%M UTC"))
            });
            eprintln!(
                "token for {name} ({}) created, {until}; it is shown only this once:",
                role.as_str()
            );
            println!("{token}");
        }
        Command::Token(TokenCommand::Revoke { name }) => {
            let store = store::open(&storage).await?;
            let revoked = store.revoke_tokens(&name).await?;
            store.close().await;
            if revoked == 0 {
                eprintln!("{name} holds no live token; see `lantu token list`");
                return Ok(ExitCode::from(2));
            }
            eprintln!(
                "revoked {revoked} token(s) of {name}; they are refused from the next request on"
            );
        }
        Command::Token(TokenCommand::List) => {
            let store = store::open(&storage).await?;
            let tokens = store.list_tokens().await?;
            store.close().await;
            let day = |t: Option<chrono::DateTime<chrono::Utc>>, none: &str| {
                t.map_or(none.to_string(), |t| t.format("%Y-%m-%d").to_string())
            };
            println!("name\tuser\trole\tcreated\texpires\trevoked");
            for t in tokens {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.name,
                    t.user.as_deref().unwrap_or("-"),
                    t.role.as_str(),
                    t.created_at.format("%Y-%m-%d"),
                    day(t.expires_at, "never"),
                    day(t.revoked_at, "-")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import(storage: &Storage, command: ImportCommand) -> anyhow::Result<ExitCode> {
    let store = store::open(storage).await?;
    let (args, units) = match command {
        ImportCommand::Units(args) => (args, true),
        ImportCommand::Sites(args) => (args, false),
        ImportCommand::Osm {
            file,
            source,
            count,
            walk,
            homes,
        } => {
            let source = source.unwrap_or_else(|| lantu::import::file_name(&file));
            let catalogue = lantu::coverage::Catalogue::parse(lantu::coverage::catalogue::DEFAULT)
                .and_then(|c| c.choosing(&count))
                .map_err(anyhow::Error::msg)?;
            let rule = lantu::network::extract::PopulationRule::default()
                .choosing(&homes)
                .map_err(anyhow::Error::msg)?;
            let walk =
                lantu::network::walk::WalkRules::choosing(&walk).map_err(anyhow::Error::msg)?;
            lantu::network::import::import_osm_with(
                store.as_ref(),
                &file,
                &source,
                (&catalogue, &rule),
                &walk,
            )
            .await?;
            store.close().await;
            return Ok(ExitCode::SUCCESS);
        }
        ImportCommand::Facilities {
            file,
            category,
            source,
            skip_invalid,
            dry_run,
            crs,
        } => {
            let source = source.unwrap_or_else(|| lantu::import::file_name(&file));
            let catalogue = lantu::coverage::Catalogue::parse(lantu::coverage::catalogue::DEFAULT)
                .map_err(anyhow::Error::msg)?;
            let written = lantu::coverage::import::import_facilities(
                store.as_ref(),
                &catalogue,
                &file,
                (&category, &source),
                options(skip_invalid, dry_run, crs.as_deref()),
            )
            .await?;
            store.close().await;
            return Ok(written_code(written.is_some(), dry_run));
        }
        ImportCommand::Homes {
            file,
            source,
            population_table,
            key,
            m2_per_person,
            far,
            skip_invalid,
            dry_run,
            crs,
        } => {
            anyhow::ensure!(
                m2_per_person > 0.0 && far > 0.0,
                "--m2-per-person and --far must be positive"
            );
            let source = source.unwrap_or_else(|| lantu::import::file_name(&file));
            let population = lantu::coverage::import::PopulationSource {
                table: population_table
                    .as_deref()
                    .map(lantu::coverage::import::read_population_table)
                    .transpose()?,
                key,
                rule: lantu::network::extract::PopulationRule {
                    floor_area_per_person_m2: m2_per_person,
                    residential_land_far: far,
                    ..Default::default()
                },
            };
            let written = lantu::coverage::import::import_homes(
                store.as_ref(),
                &file,
                &source,
                &population,
                options(skip_invalid, dry_run, crs.as_deref()),
            )
            .await?;
            store.close().await;
            return Ok(written_code(written.is_some(), dry_run));
        }
    };
    let edit = Edit {
        author: args.author,
        message: args.message,
        ..Edit::default()
    };
    let options = options(args.skip_invalid, args.dry_run, args.crs.as_deref());
    eprintln!("importing into {storage:?}");
    let written = if units {
        lantu::units::import::import_units(store.as_ref(), &args.files, &edit, options)
            .await?
            .report
            .is_some()
    } else {
        lantu::sites::import::import_sites(store.as_ref(), &args.files, &edit, options)
            .await?
            .written
    };
    store.close().await;
    Ok(written_code(written, args.dry_run))
}

fn options(skip_invalid: bool, dry_run: bool, crs: Option<&str>) -> lantu::import::Options<'_> {
    let on_refusal = if dry_run {
        OnRefusal::DryRun
    } else if skip_invalid {
        OnRefusal::SkipInvalid
    } else {
        OnRefusal::WriteNothing
    };
    lantu::import::Options { on_refusal, crs }
}

/// Success when the import wrote, or a dry run found nothing to refuse (a dry run that would
/// refuse is an error before this); 2 when refusals stopped it.
fn written_code(written: bool, dry_run: bool) -> ExitCode {
    if dry_run {
        ExitCode::SUCCESS
    } else if written {
        eprintln!("note: a server already running on this store shows the import after a restart");
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
