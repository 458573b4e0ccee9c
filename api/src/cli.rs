//! The `maillage` command line: serve (default), migrate, schema, token, demo.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use secrecy::ExposeSecret;

use crate::{
    config::Settings,
    db, demo, graphql, server,
    service::{
        App,
        token::{self, TokenRequest},
    },
};

/// Maillage: the GraphQL backend of a network of organisations that run communities of
/// practice together.
///
/// With no configuration it stores its data in ./maillage.db (SQLite) and listens on
/// 127.0.0.1:8080. Settings come from maillage.toml (or --config), MAILLAGE_* variables
/// and DATABASE_URL; see the README.
#[derive(Debug, Parser)]
#[command(name = "maillage", version)]
pub struct Cli {
    /// Configuration file (TOML). Default: ./maillage.toml if it exists.
    #[arg(long, global = true, env = "MAILLAGE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on (overrides MAILLAGE_LISTEN).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API at /graphql (the default). Creates and migrates the
    /// database first.
    Serve,
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Create a person if missing and print a bearer token for them (stored hashed).
    ///
    /// This is how the first administrator gets in and how operators script:
    /// TOKEN=$(maillage token --email admin@example.org --network-admin)
    Token(TokenArgs),
    /// Load a small demo network drawn from the field documents (idempotent).
    Demo,
    /// Generate a synthetic network in an empty database, for benchmarks.
    Seed(SeedArgs),
}

/// Arguments of `maillage seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Starting sizes: `large` (100 organizations, 5,000 communities, 200,000 people,
    /// 1,000,000 memberships, 1,000,000 posts) or `small`.
    #[arg(long, default_value = "small", value_parser = ["small", "large"])]
    pub preset: String,
    #[arg(long)]
    pub organizations: Option<usize>,
    #[arg(long)]
    pub communities: Option<usize>,
    #[arg(long)]
    pub people: Option<usize>,
    #[arg(long)]
    pub memberships: Option<usize>,
    #[arg(long)]
    pub posts: Option<usize>,
}

/// Migration actions.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations.
    Up {
        /// Apply at most this many.
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Roll back applied migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

/// Arguments of `maillage token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The person's e-mail address (created when nobody has it).
    #[arg(long, required_unless_present = "person_id", conflicts_with = "person_id")]
    pub email: Option<String>,
    /// An existing person, by id (`Person:N` is N): when several people share an
    /// e-mail address.
    #[arg(long, value_name = "N")]
    pub person_id: Option<i32>,
    /// Display name (when creating the person, or to change it).
    #[arg(long)]
    pub name: Option<String>,
    /// Slug of the person's home organization.
    #[arg(long, value_name = "SLUG")]
    pub org: Option<String>,
    /// Make the person a network administrator.
    #[arg(long)]
    pub network_admin: bool,
    /// Token lifetime in days (default: the token_ttl_days setting).
    #[arg(long)]
    pub ttl_days: Option<u32>,
}

/// A failure the CLI reports on stderr before exiting non-zero.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Database(#[from] db::DbOpenError),
    #[error("{0}")]
    Other(String),
}

/// The `maillage` command: reads the command line and the settings, sets up logging,
/// runs. (A function of the library so that the integration tests can build the same
/// command and start servers as processes of their own.)
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("maillage: {err}");
            return ExitCode::from(2);
        }
    };
    if let Some(listen) = cli.listen {
        settings.listen = listen;
    }
    let filter = match tracing_subscriber::EnvFilter::try_new(&settings.log) {
        Ok(filter) => filter,
        Err(err) => {
            eprintln!("maillage: invalid configuration: log (MAILLAGE_LOG): {err}");
            return ExitCode::from(2);
        }
    };
    let traces =
        match crate::telemetry::init_logging(filter, settings.log_format, settings.otlp_traces_endpoint.as_deref()) {
            Ok(traces) => traces,
            Err(err) => {
                eprintln!("maillage: invalid configuration: {err}");
                return ExitCode::from(2);
            }
        };
    let code = match run(cli, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("maillage: {err}");
            ExitCode::FAILURE
        }
    };
    // The spans still waiting in the batch are sent before the process ends.
    if let Some(provider) = traces {
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
    code
}

/// Runs the command line.
pub async fn run(cli: Cli, settings: Settings) -> Result<(), CliError> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Migrate { action } => {
            let db = db::connect(&settings, None).await?;
            let result = match action {
                MigrateAction::Up { steps } => Migrator::up(&db, steps).await,
                MigrateAction::Down { steps } => Migrator::down(&db, Some(steps)).await,
                MigrateAction::Status => match Migrator::get_migration_with_status(&db).await {
                    Ok(migrations) => {
                        for m in migrations {
                            println!("{:<40} {:?}", m.name(), m.status());
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            result.map_err(|e| CliError::Other(format!("migration failed: {e}")))
        }
        Command::Token(args) => {
            let db = open(&settings).await?;
            let request = TokenRequest {
                email: args.email.unwrap_or_default(),
                person_id: args.person_id,
                display_name: args.name,
                organization_slug: args.org,
                network_admin: args.network_admin,
                ttl_days: args.ttl_days.unwrap_or(settings.token_ttl_days),
            };
            let issued = token::issue(&db, &request).await.map_err(|e| CliError::Other(e.to_string()))?;
            eprintln!("token for person {} expires at {}", issued.person_id, issued.expires_at.to_rfc3339());
            println!("{}", issued.token.expose_secret());
            Ok(())
        }
        Command::Seed(args) => {
            let db = open(&settings).await?;
            let base = if args.preset == "large" { crate::seed::SeedSize::LARGE } else { crate::seed::SeedSize::SMALL };
            let size = crate::seed::SeedSize {
                organizations: args.organizations.unwrap_or(base.organizations),
                communities: args.communities.unwrap_or(base.communities),
                people: args.people.unwrap_or(base.people),
                memberships: args.memberships.unwrap_or(base.memberships),
                posts: args.posts.unwrap_or(base.posts),
            };
            let summary = crate::seed::seed(&db, size).await.map_err(|e| CliError::Other(e.to_string()))?;
            println!("{summary}");
            Ok(())
        }
        Command::Demo => {
            let db = open(&settings).await?;
            let summary = demo::load(&db).await.map_err(|e| CliError::Other(e.to_string()))?;
            println!("{summary}");
            Ok(())
        }
    }
}

async fn open(settings: &Settings) -> Result<sea_orm::DatabaseConnection, CliError> {
    let db = db::connect(settings, None).await?;
    db::migrate(&db).await?;
    Ok(db)
}

async fn serve(settings: Settings) -> Result<(), CliError> {
    let sso = settings.sso_context().map_err(|e| CliError::Other(e.to_string()))?;
    let db = open(&settings).await?;
    let app = App::load(db, sso).await.map_err(|e| CliError::Other(format!("cannot load the policy: {e}")))?;
    let running =
        server::start(&settings, app).map_err(|e| CliError::Other(format!("listen ({}): {e}", settings.listen)))?;
    let graphiql =
        if settings.graphiql { format!(", GraphiQL at http://{}/graphiql", running.addr) } else { String::new() };
    tracing::info!("Maillage serves GraphQL at http://{}/graphql{graphiql}", running.addr);
    running.wait().await.map_err(|e| CliError::Other(e.to_string()))
}
