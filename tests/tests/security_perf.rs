//! Review of the performance work (37baa52..56d8e5f): what the faster paths must still
//! answer exactly as the slower ones did.

use harness::{TestApp, error_code, fixtures};
use serde_json::{Value, json};

/// Every post body under `alias`'s threads, as the response gives them.
fn bodies(data: &Value, alias: &str) -> Vec<Value> {
    data[alias]["threads"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["posts"]["nodes"].as_array().cloned().unwrap_or_default())
        .map(|p| p["body"].clone())
        .collect()
}

/// On PostgreSQL `community(slug)` reads its threads' posts ahead with only the columns
/// its own selection uses, and keeps them by (thread, page) for the request. Another
/// field of the same request asking for the same page of the same thread (here a second
/// alias of the community, whose posts select only `id` and `createdAt`) must not be handed rows whose
/// other columns took their defaults: the review saw `body: ""` on the alias that asked
/// for bodies, depending on which statement came back first.
#[tokio::test]
async fn a_page_read_ahead_is_never_served_to_a_field_reading_other_columns() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let community = fixtures::community(&app, &ana, "columns", "NETWORK", "OPEN").await;
    for t in 0..4 {
        let thread = fixtures::thread(&app, &ana, &community, &format!("Thread {t}")).await;
        for p in 0..3 {
            fixtures::post(&app, &ana, &thread, &format!("Reply {t}.{p}")).await;
        }
    }
    let with_bodies = "threads(first: 4) { totalCount nodes { title posts(first: 3) { nodes { body createdAt author { displayName } } } } }";
    // (`id` alone would read every column: it names none.)
    let ids_only = "threads(first: 4) { totalCount nodes { posts(first: 3) { nodes { id createdAt } } } }";
    let orders = [
        format!(
            "query($s: String!) {{ a: community(slug: $s) {{ {with_bodies} }} b: community(slug: $s) {{ {ids_only} }} }}"
        ),
        format!(
            "query($s: String!) {{ b: community(slug: $s) {{ {ids_only} }} a: community(slug: $s) {{ {with_bodies} }} }}"
        ),
    ];
    for attempt in 0..25 {
        for query in &orders {
            let data = app.ok(Some(&ana), query, json!({ "s": "columns" })).await;
            let bodies = bodies(&data, "a");
            assert_eq!(bodies.len(), 12, "attempt {attempt}: {data}");
            assert!(
                bodies.iter().all(|b| b.as_str().is_some_and(|b| b.starts_with("Reply "))),
                "attempt {attempt}: a post read ahead without its body was served: {data}"
            );
            let posts = data["a"]["threads"]["nodes"][0]["posts"]["nodes"].as_array().cloned().unwrap_or_default();
            assert!(
                posts.iter().all(|p| p["author"]["displayName"].is_string()
                    && p["createdAt"].as_str().is_some_and(|c| !c.starts_with("1970"))),
                "attempt {attempt}: {data}"
            );
        }
    }
}

/// A prepared document is kept by its text, but its cost still depends on the
/// variables of each execution: a page size that passed once does not let a larger one
/// through the next time.
#[tokio::test]
async fn a_kept_document_is_costed_again_with_each_requests_variables() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@example.org", None, true).await;
    let two = "query($n: Int) { communities(first: $n) { edges { node { members(first: $n) { edges { node { id roles person { id displayName } } } } } } } }";
    app.ok(Some(&admin), two, json!({ "n": 10 })).await;
    let refused = app.gql(Some(&admin), two, json!({ "n": 100 })).await;
    assert_eq!(error_code(&refused), "COST_LIMIT_EXCEEDED", "{refused}");
    assert!(refused.get("data").is_none_or(Value::is_null), "{refused}");
    app.ok(Some(&admin), two, json!({ "n": 10 })).await;
}

mod silent_listener {
    //! A replica whose connections to PostgreSQL go silent (no reset, no answer: a
    //! partition, a stuck firewall) must stop serving cached sessions within a second of
    //! a change it can no longer hear of.

    use std::{
        net::SocketAddr,
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        },
        time::{Duration, Instant},
    };

    use harness::TestApp;
    use secrecy::{ExposeSecret, SecretString};
    use serde_json::json;
    use tokio::net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    };

    /// A TCP proxy to `to` that, while `frozen`, holds every byte (connections stay open).
    async fn proxy(to: String) -> (SocketAddr, Arc<AtomicBool>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let frozen = Arc::new(AtomicBool::new(false));
        let held = frozen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&to).await else { continue };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, held.clone()));
                tokio::spawn(pump(server_read, client_write, held.clone()));
            }
        });
        (addr, frozen)
    }

    async fn pump(from: OwnedReadHalf, to: OwnedWriteHalf, frozen: Arc<AtomicBool>) {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            if from.readable().await.is_err() {
                return;
            }
            let n = match from.try_read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => return,
            };
            while frozen.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let mut sent = 0;
            while sent < n {
                if to.writable().await.is_err() {
                    return;
                }
                match to.try_write(&buffer[sent..n]) {
                    Ok(written) => sent += written,
                    Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => return,
                }
            }
        }
    }

    /// The status of `{ __typename }` (no statement once the token is authenticated)
    /// with `token` at `base`, or `None` without an answer within 200 ms (the replica
    /// waits for a database it cannot reach).
    async fn status(base: &str, token: &str) -> Option<u16> {
        let sent = reqwest::Client::new()
            .post(format!("{base}/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": "{ __typename }" }))
            .timeout(Duration::from_millis(200))
            .send()
            .await;
        sent.ok().map(|r| r.status().as_u16())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revocation_is_not_served_a_second_later_by_a_replica_whose_listener_went_silent() {
        if !std::env::var(harness::PG_ENV).is_ok_and(|url| url.starts_with("postgres")) {
            return;
        }
        let app = TestApp::spawn().await;
        let mut url = url::Url::parse(app.database_url().expose_secret()).expect("database URL");
        let target = format!("{}:{}", url.host_str().unwrap_or("127.0.0.1"), url.port().unwrap_or(5432));
        let (addr, frozen) = proxy(target).await;
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(addr.port())).expect("port");
        let (base, replica) = app.spawn_replica_at(SecretString::from(url.to_string())).await;
        let token = app.token("anna@cisss.example", None, false).await;

        // The replica listens (through the proxy) and serves the token from its cache.
        let started = Instant::now();
        loop {
            assert_eq!(status(&base, &token).await, Some(200));
            tokio::time::sleep(Duration::from_millis(100)).await;
            frozen.store(true, Ordering::SeqCst);
            let cached = status(&base, &token).await == Some(200);
            frozen.store(false, Ordering::SeqCst);
            if cached {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "the replica never served from its cache");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        // Let the listener settle, then everything between the replica and the database
        // goes silent; the session is revoked behind its back.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(status(&base, &token).await, Some(200));
        frozen.store(true, Ordering::SeqCst);
        let cached = status(&base, &token).await;
        sea_orm::ConnectionTrait::execute_unprepared(
            &app.db,
            "UPDATE session SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL",
        )
        .await
        .expect("revoke");
        let revoked = Instant::now();
        let mut last_served = None;
        while revoked.elapsed() < Duration::from_millis(2_500) {
            if status(&base, &token).await == Some(200) {
                last_served = Some(revoked.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        frozen.store(false, Ordering::SeqCst);
        replica.stop().await;
        assert_eq!(cached, Some(200), "the cache serves while the database is silent");
        assert!(
            last_served.is_none_or(|after| after < Duration::from_secs(1)),
            "the revoked session was still served {last_served:?} after its revocation"
        );
    }
}
