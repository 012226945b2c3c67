//! The command line for people and mandates: `lantu user add`, `lantu team add`,
//! `lantu team join`, `lantu appoint`, `lantu terminate`. Every change is audited as `cli:NAME`.

use std::io::Read;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{
    AgreementTerms, Contact, Holder, MemberRole, NewAppointment, NewUser, TeamKind, password,
    valid_login,
};
use crate::auth::Role;
use crate::store::Store;
use crate::units::UnitCode;
use crate::version::Edit;

/// `lantu user …`.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; with --password-stdin its password is read from standard input,
    /// otherwise a one-time password is generated and printed once.
    Add(UserAdd),
    /// Disable an account: it can no longer sign in, and its tokens stop working.
    Disable {
        /// The login name.
        login: String,
    },
    /// List accounts (never passwords or contact details).
    List,
}

/// `lantu user add`.
#[derive(Args)]
pub struct UserAdd {
    /// The login name (lower-case letters, digits, `.`, `_`, `-`).
    pub login: String,
    /// Role(s): admin, planner, analyst (repeat for several).
    #[arg(long, required = true)]
    pub role: Vec<String>,
    /// Display name in Chinese (default: the login name).
    #[arg(long)]
    pub name_zh: Option<String>,
    /// Display name in English.
    #[arg(long)]
    pub name_en: Option<String>,
    /// Organisation.
    #[arg(long)]
    pub organisation: Option<String>,
    /// E-mail (private).
    #[arg(long)]
    pub email: Option<String>,
    /// Phone (private).
    #[arg(long)]
    pub phone: Option<String>,
    /// Read the password from standard input (one line).
    #[arg(long)]
    pub password_stdin: bool,
}

/// `lantu team …`.
#[derive(Subcommand)]
pub enum TeamCommand {
    /// Create a team.
    Add {
        /// Its name in Chinese (unique), e.g. 长寿路街道社区规划师团队.
        name_zh: String,
        /// chief, advisory, subdistrict, designer or operations.
        #[arg(long)]
        kind: String,
        /// Its name in English.
        #[arg(long)]
        name_en: Option<String>,
        /// The organisation leading it.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Add a user to a team.
    Join {
        /// The team's Chinese name.
        team: String,
        /// The user's login name.
        login: String,
        /// leader or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// The organisation the member works for.
        #[arg(long)]
        organisation: Option<String>,
    },
}

/// `lantu appoint`.
#[derive(Args)]
pub struct Appoint {
    /// A team's Chinese name or a user's login name.
    pub holder: String,
    /// The planning unit codes (repeat for several).
    #[arg(long = "unit", required = true)]
    pub units: Vec<String>,
    /// First day in force (YYYY-MM-DD, China Standard Time).
    #[arg(long)]
    pub from: NaiveDate,
    /// Last day in force, inclusive (YYYY-MM-DD).
    #[arg(long)]
    pub to: NaiveDate,
    /// As what, for a person (a team's appointment is of the team's kind).
    #[arg(long)]
    pub kind: Option<String>,
    /// The appointing body.
    #[arg(long, default_value = "普陀区规划和自然资源局")]
    pub by: String,
    /// Service content of the agreement.
    #[arg(long)]
    pub service: Option<String>,
    /// On-site hours the agreement asks for.
    #[arg(long)]
    pub onsite_hours: Option<f64>,
    /// Responsibilities.
    #[arg(long)]
    pub responsibilities: Option<String>,
    /// When the holder's contract was signed (回避制度).
    #[arg(long)]
    pub contract_signed_on: Option<NaiveDate>,
    /// The appointment this one renews.
    #[arg(long)]
    pub renews: Option<i64>,
}

fn roles(names: &[String]) -> anyhow::Result<Vec<Role>> {
    names
        .iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                anyhow::anyhow!("--role must be admin, planner or analyst, not {r:?}")
            })
        })
        .collect()
}

/// Runs `lantu user …`.
pub async fn user(store: &Store, command: UserCommand) -> anyhow::Result<ExitCode> {
    let edit = Edit::by("cli:user");
    match command {
        UserCommand::Add(add) => {
            let (user, secret) = add_user(store, add, &edit).await?;
            eprintln!("user {} created ({})", user.login, role_names(&user.roles));
            if let Some(secret) = secret {
                eprintln!("one-time password, shown only this once:");
                println!("{secret}");
            }
        }
        UserCommand::Disable { login } => {
            let (user, _) = store
                .user_by_login(&login)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {login}; see `lantu user list`"))?;
            store.disable_user(user.id, &edit).await?;
            eprintln!("{login} is disabled; their sign-ins and tokens are refused from now on");
        }
        UserCommand::List => {
            println!("login\troles\tname\torganisation\tdisabled");
            for u in store.users().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.login,
                    role_names(&u.roles),
                    u.display_zh,
                    u.organisation.as_deref().unwrap_or("-"),
                    if u.disabled { "yes" } else { "no" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn role_names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Creates the account `add` describes; the generated one-time password, if none was given.
pub async fn add_user(
    store: &Store,
    add: UserAdd,
    edit: &Edit,
) -> anyhow::Result<(super::User, Option<String>)> {
    anyhow::ensure!(
        valid_login(&add.login),
        "login {:?} must be 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        add.login
    );
    let (secret, generated) = if add.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_to_string(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (password::generate()?, true)
    };
    if let Some(weak) = password::weakness(&secret) {
        anyhow::bail!("{weak}");
    }
    let hash = password::hash(&secret)?;
    let new = NewUser {
        display_zh: add.name_zh.unwrap_or_else(|| add.login.clone()),
        login: add.login,
        display_en: add.name_en,
        organisation: add.organisation,
        roles: roles(&add.role)?,
        contact: Contact {
            email: add.email,
            phone: add.phone,
        },
    };
    let user = store.create_user(&new, Some(&hash), edit).await?;
    Ok((user, generated.then_some(secret)))
}

/// Runs `lantu team …`.
pub async fn team(store: &Store, command: TeamCommand) -> anyhow::Result<ExitCode> {
    let edit = Edit::by("cli:team");
    match command {
        TeamCommand::Add {
            name_zh,
            kind,
            name_en,
            organisation,
        } => {
            let kind = TeamKind::parse(&kind).ok_or_else(|| {
                anyhow::anyhow!(
                    "--kind must be chief, advisory, subdistrict, designer or operations"
                )
            })?;
            let team = store
                .create_team(
                    kind,
                    (&name_zh, name_en.as_deref()),
                    organisation.as_deref(),
                    &edit,
                )
                .await?;
            eprintln!(
                "team {} ({}) created as {}",
                team.name_zh,
                kind.name_zh(),
                team.id
            );
        }
        TeamCommand::Join {
            team,
            login,
            role,
            organisation,
        } => {
            let role = MemberRole::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role must be leader or member"))?;
            let found = find_team(store, &team).await?;
            let (user, _) = store
                .user_by_login(&login)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {login}; see `lantu user list`"))?;
            store
                .add_member(found.id, user.id, role, organisation.as_deref(), &edit)
                .await?;
            eprintln!("{login} joined {team} as {}", role.as_str());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn find_team(store: &Store, name: &str) -> anyhow::Result<super::Team> {
    store
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name_zh == name)
        .ok_or_else(|| anyhow::anyhow!("no team named {name}"))
}

/// Runs `lantu appoint`.
pub async fn appoint(store: &Store, args: Appoint) -> anyhow::Result<ExitCode> {
    let edit = Edit::by("cli:appoint");
    let team = store
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name_zh == args.holder);
    let (holder, kind) = match team {
        Some(team) => (Holder::Team(team.id), team.kind),
        None => {
            let (user, _) = store.user_by_login(&args.holder).await?.ok_or_else(|| {
                anyhow::anyhow!(
                    "{} is neither a team's name nor a user's login",
                    args.holder
                )
            })?;
            let kind = args.kind.as_deref().unwrap_or("subdistrict");
            let kind = TeamKind::parse(kind).ok_or_else(|| {
                anyhow::anyhow!(
                    "--kind must be chief, advisory, subdistrict, designer or operations"
                )
            })?;
            (Holder::User(user.id), kind)
        }
    };
    let units = args
        .units
        .iter()
        .map(|c| UnitCode::parse(c).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for code in &units {
        anyhow::ensure!(
            store.find_unit(code).await?.is_some(),
            "no planning unit {code}; import the units first (`lantu import units`)"
        );
    }
    anyhow::ensure!(args.to >= args.from, "--to must not be before --from");
    let appointment = NewAppointment {
        kind,
        holder,
        units,
        starts_on: args.from,
        ends_on: args.to,
        terms: AgreementTerms {
            service: args.service,
            onsite_hours: args.onsite_hours,
            responsibilities: args.responsibilities,
        },
        appointed_by: args.by,
        contract_signed_on: args.contract_signed_on,
        renews: args.renews,
    };
    let done = super::service::appoint(store, &appointment, &edit)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "appointment {} recorded: {} as {} in {} from {} to {}",
        done.id,
        args.holder,
        kind.name_zh(),
        args.units.join(", "),
        done.starts_on,
        done.ends_on
    );
    Ok(ExitCode::SUCCESS)
}
