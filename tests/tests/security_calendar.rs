//! Security regressions of calendar feeds (the adversarial review of issue 13): feeds
//! are rate-limited per feed and per address, guessing feed addresses is slowed like
//! guessing tokens, and a feed holds a bounded number of events.

use entity::enums::CommunityRole;
use harness::{TestApp, fixtures};
use serde_json::{Value, json};

/// A secret community with an animator and a member, and a stranger.
struct World {
    app: TestApp,
    animator: String,
    member: String,
    stranger: String,
    community: Value,
}

async fn world(app: TestApp) -> World {
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-a").await;
    fixtures::organization(&app, &admin, "inspq").await;
    let animator = app.token("anna@cisss-a.example", Some("cisss-a"), false).await;
    let community = fixtures::community(&app, &animator, "soins-palliatifs", "MEMBERS", "APPROVAL").await;
    let member = app.token("marc@inspq.example", Some("inspq"), false).await;
    let member_id = fixtures::person_id(&app, &member).await;
    fixtures::add_member(&app, &community, member_id, &[CommunityRole::Member]).await;
    let stranger = app.token("sam@inspq.example", Some("inspq"), false).await;
    World { app, animator, member, stranger, community }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calendar_feeds_are_rate_limited_per_feed_and_per_address() {
    let s = world(
        TestApp::spawn_with(|settings| {
            settings.rate_limit_calendar_per_minute = 3;
            settings.rate_limit_auth_per_minute = 4;
        })
        .await,
    )
    .await;
    let app = &s.app;
    const RESET: &str = "mutation { resetCalendarFeed { url } }";
    let mine = app.ok(Some(&s.member), RESET, json!({})).await["resetCalendarFeed"]["url"].as_str().unwrap().to_owned();
    let theirs =
        app.ok(Some(&s.stranger), RESET, json!({})).await["resetCalendarFeed"]["url"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let get = |url: String| {
        let client = client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            (response.status().as_u16(), retry)
        }
    };
    for _ in 0..3 {
        assert_eq!(get(mine.clone()).await.0, 200);
    }
    let (status, retry) = get(mine.clone()).await;
    assert_eq!(status, 429, "the fourth request of the minute");
    assert!(retry.and_then(|r| r.parse::<u64>().ok()).is_some_and(|r| (1..=60).contains(&r)));
    // Another person's feed, from the same address, has its own allowance.
    assert_eq!(get(theirs.clone()).await.0, 200);

    // A community's public feed: per address.
    let public = fixtures::community(app, &s.animator, "ouverte", "PUBLIC", "OPEN").await;
    let url = app
        .ok(
            Some(&s.member),
            "query($id: ID!) { node(id: $id) { ... on Community { calendarFeedUrl } } }",
            json!({ "id": public }),
        )
        .await["node"]["calendarFeedUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..3 {
        assert_eq!(get(url.clone()).await.0, 200);
    }
    assert_eq!(get(url.clone()).await.0, 429);

    // Guessing feed addresses: unknown tokens are 404 until the address has tried too
    // many, then it is refused before any look-up, its own valid feed included.
    let base = mine.rsplit_once('/').unwrap().0.to_owned();
    for i in 0..4 {
        assert_eq!(get(format!("{base}/cal_guess{i}.ics")).await.0, 404);
    }
    assert_eq!(get(format!("{base}/cal_guess9.ics")).await.0, 429);
    assert_eq!(get(theirs).await.0, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_personal_feed_holds_at_most_its_bound_of_events_the_latest_kept() {
    let s = world(TestApp::spawn().await).await;
    let app = &s.app;
    let animator_id = fixtures::person_id(app, &s.animator).await;
    let bound = maillage_api::service::calendar::MAX_FEED_EVENTS;
    fixtures::plant_events(app, &s.community, animator_id, i64::try_from(bound).unwrap() + 1).await;
    let url =
        app.ok(Some(&s.member), "mutation { resetCalendarFeed { url } }", json!({})).await["resetCalendarFeed"]["url"]
            .as_str()
            .unwrap()
            .to_owned();
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count() as u64, bound);
    assert!(!text.contains("SUMMARY:Rencontre 000\r\n"), "the earliest is left out");
    assert!(text.contains(&format!("SUMMARY:Rencontre {bound}\r\n")), "the latest is kept");
    assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 1, "one zone, described once");
}
