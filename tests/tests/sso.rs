//! Federated single sign-on against real OpenID providers (`oidc-provider` on Node):
//! two organizations, each with its own provider and signing keys.

use harness::{
    TestApp, error_code, error_field,
    oidc::{Browser, FRONT_END, SsoOrg, exchange_code, sso_org, start_link},
};
use serde_json::{Value, json};

const ME: &str = "{ me { id email displayName jobTitle organization { slug } } }";

fn mappings() -> Value {
    json!([
        { "claim": "groups", "contains": "gestionnaires", "organizationRole": "MANAGER" },
        { "claim": "job_title", "profileField": "JOB_TITLE" },
    ])
}

/// A server, a network administrator, and two organizations with their providers
/// (`None` when Node is unavailable outside CI).
async fn network() -> Option<(TestApp, String, SsoOrg, SsoOrg)> {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let a = sso_org(&app, &admin, "cisss-a", "127.0.0.1", "a.example", mappings()).await?;
    let b = sso_org(&app, &admin, "inspq-b", "127.0.0.2", "b.example", json!([])).await?;
    Some((app, admin, a, b))
}

/// Logs in through the browser and exchanges the code: the session token.
async fn log_in(app: &TestApp, org: &SsoOrg, login: &str) -> String {
    let landing = Browser::new().login(&org.login_url(app, FRONT_END), login).await;
    assert_eq!(landing.status, 303, "{landing:?}");
    let location = landing.location.clone().expect("location");
    assert!(location.as_str().starts_with(FRONT_END), "{location}");
    let code = landing.code().unwrap_or_else(|| panic!("no code: {landing:?}"));
    let (status, body) = exchange_code(app, &code).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

/// The audited reasons of refused logins, oldest first.
async fn refusals(app: &TestApp) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("login.refused"))
        .order_by_asc(entity::audit_event::Column::Id)
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.after.and_then(|a| a["reason"].as_str().map(str::to_owned)).unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn people_of_two_organizations_log_in_through_their_own_providers() {
    let Some((app, _admin, a, b)) = network().await else { return };
    a.provider.set_claims("nurse@a.example", json!({ "name": "Nadia Nurse", "job_title": "Infirmière" })).await;
    let token = log_in(&app, &a, "nurse@a.example").await;
    let me = app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(me["me"]["email"], "nurse@a.example");
    assert_eq!(me["me"]["displayName"], "Nadia Nurse");
    assert_eq!(me["me"]["jobTitle"], "Infirmière");
    assert_eq!(me["me"]["organization"]["slug"], "cisss-a");

    // B's provider puts only `sub` in its ID tokens: the e-mail and name come from its
    // userinfo endpoint.
    b.provider.set_claims("epi@b.example", json!({ "name": "Émile Épidémiologiste" })).await;
    let token_b = log_in(&app, &b, "epi@b.example").await;
    let me_b = app.ok(Some(&token_b), ME, json!({})).await;
    assert_eq!(me_b["me"]["organization"]["slug"], "inspq-b");
    assert_eq!(me_b["me"]["email"], "epi@b.example");
    assert_eq!(me_b["me"]["displayName"], "Émile Épidémiologiste");
    assert_ne!(me_b["me"]["id"], me["me"]["id"]);
}

/// The person behind a token.
async fn person_id(app: &TestApp, token: &str) -> i32 {
    let me = app.ok(Some(token), ME, json!({})).await;
    harness::fixtures::db_id(&me["me"]["id"])
}

/// The organization roles a person holds, with whether a provider granted them.
async fn org_roles(app: &TestApp, person: i32) -> Vec<(String, bool)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::organization_role::Entity::find()
        .filter(entity::organization_role::Column::PersonId.eq(person))
        .order_by_asc(entity::organization_role::Column::Role)
        .all(&app.db)
        .await
        .expect("roles")
        .into_iter()
        .map(|r| (r.role.as_str().to_owned(), r.provider_id.is_some()))
        .collect()
}

#[tokio::test]
async fn the_same_person_comes_back_and_the_same_subject_elsewhere_is_someone_else() {
    let Some((app, _admin, a, b)) = network().await else { return };
    let people_before = app.count_rows("person").await;
    let first = log_in(&app, &a, "nurse@a.example").await;
    let again = log_in(&app, &a, "nurse@a.example").await;
    assert_ne!(first, again, "each login opens its own session");
    assert_eq!(person_id(&app, &first).await, person_id(&app, &again).await);
    assert_eq!(app.count_rows("person").await, people_before + 1);

    // The same subject ("shared") at both issuers: two people, each in their organization.
    a.provider.set_claims("shared", json!({ "email": "shared@a.example" })).await;
    b.provider.set_claims("shared", json!({ "email": "shared@b.example" })).await;
    let at_a = log_in(&app, &a, "shared").await;
    let at_b = log_in(&app, &b, "shared").await;
    assert_ne!(person_id(&app, &at_a).await, person_id(&app, &at_b).await);
    assert_eq!(app.ok(Some(&at_b), ME, json!({})).await["me"]["organization"]["slug"], "inspq-b");
    // Profile fields are refreshed at each login.
    a.provider.set_claims("shared", json!({ "email": "shared@a.example", "job_title": "Cheffe de service" })).await;
    let at_a = log_in(&app, &a, "shared").await;
    assert_eq!(app.ok(Some(&at_a), ME, json!({})).await["me"]["jobTitle"], "Cheffe de service");
    assert_eq!(app.count_rows("person").await, people_before + 3);
    assert_eq!(app.count_rows("person_identity").await, 3);
}

#[tokio::test]
async fn provider_granted_roles_resync_while_admin_granted_ones_stay() {
    let Some((app, admin, a, _b)) = network().await else { return };
    a.provider.set_claims("chef@a.example", json!({ "groups": ["infirmières", "gestionnaires"] })).await;
    let token = log_in(&app, &a, "chef@a.example").await;
    let me = person_id(&app, &token).await;
    assert_eq!(org_roles(&app, me).await, vec![("MANAGER".to_owned(), true)]);

    // An administrator grants ADMIN; the provider stops saying "gestionnaires".
    let assign = harness::ops::ASSIGN_ROLE;
    let person = app.ok(Some(&token), ME, json!({})).await["me"]["id"].clone();
    app.ok(Some(&admin), assign, json!({ "p": person, "s": a.id, "r": "ADMIN" })).await;
    a.provider.set_claims("chef@a.example", json!({ "groups": ["infirmières"] })).await;
    log_in(&app, &a, "chef@a.example").await;
    assert_eq!(org_roles(&app, me).await, vec![("ADMIN".to_owned(), false)], "MANAGER gone, ADMIN kept");

    // Claims give MANAGER back; an administrator then grants MANAGER too: it is theirs
    // now, and the next login without the group keeps it.
    a.provider.set_claims("chef@a.example", json!({ "groups": ["gestionnaires"] })).await;
    log_in(&app, &a, "chef@a.example").await;
    assert!(org_roles(&app, me).await.contains(&("MANAGER".to_owned(), true)));
    app.ok(Some(&admin), assign, json!({ "p": person, "s": a.id, "r": "MANAGER" })).await;
    a.provider.set_claims("chef@a.example", json!({ "groups": [] })).await;
    log_in(&app, &a, "chef@a.example").await;
    assert_eq!(org_roles(&app, me).await, vec![("ADMIN".to_owned(), false), ("MANAGER".to_owned(), false)]);
}

#[tokio::test]
async fn claims_of_one_provider_never_grant_roles_in_another_organization() {
    let Some((app, _admin, a, b)) = network().await else { return };
    // B's provider has no mappings; even a "gestionnaires" group grants nothing, in B or in A.
    b.provider.set_claims("boss@b.example", json!({ "groups": ["gestionnaires"] })).await;
    let token = log_in(&app, &b, "boss@b.example").await;
    assert!(org_roles(&app, person_id(&app, &token).await).await.is_empty());
    // A's rules grant MANAGER in A only.
    a.provider.set_claims("boss@a.example", json!({ "groups": ["gestionnaires"] })).await;
    let token = log_in(&app, &a, "boss@a.example").await;
    let roles = entity::organization_role::Entity::find();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let held = roles
        .filter(entity::organization_role::Column::PersonId.eq(person_id(&app, &token).await))
        .all(&app.db)
        .await
        .expect("roles");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].organization_id, harness::fixtures::db_id(&json!(a.id)));
}

#[tokio::test]
async fn state_must_be_present_known_unused_and_from_the_same_browser() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let browser = Browser::new();
    let callback = browser.authorize(&a.login_url(&app, FRONT_END), "nurse@a.example").await.expect("callback");

    // Missing state.
    let mut no_state = callback.clone();
    no_state.set_query(Some(
        &callback
            .query_pairs()
            .filter(|(k, _)| k != "state")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
    ));
    let landing = browser.callback(&no_state).await;
    assert_eq!((landing.status, landing.error.as_deref()), (400, Some("missing_state")));

    // A state that no login here started (mismatched).
    let mut forged = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "state" { "forged".to_owned() } else { v.into_owned() };
            (k.into_owned(), value)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(browser.callback(&forged).await.error.as_deref(), Some("invalid_state"));

    // Another browser (no binding cookie) cannot finish this login…
    let thief = Browser::new().callback(&callback).await;
    assert_eq!((thief.status, thief.error.as_deref()), (400, Some("browser_mismatch")));
    assert!(thief.code().is_none());
    // …and the attempt is not spent by it: the real browser still can, once.
    let landing = browser.callback(&callback).await;
    assert!(landing.code().is_some(), "{landing:?}");
    let replay = browser.callback(&callback).await;
    assert_eq!((replay.status, replay.error.as_deref()), (400, Some("replayed_state")));

    // An attempt older than ten minutes has expired.
    let late = browser.authorize(&a.login_url(&app, FRONT_END), "nurse@a.example").await.expect("callback");
    app.db
        .execute_unprepared("UPDATE login_attempt SET expires_at = created_at WHERE consumed_at IS NULL")
        .await
        .expect("age the attempt");
    let landing = browser.callback(&late).await;
    assert_eq!(landing.error.as_deref(), Some("expired_login"));
    assert!(landing.location.expect("back to the front end").as_str().starts_with(FRONT_END));

    assert_eq!(
        refusals(&app).await,
        ["missing_state", "invalid_state", "browser_mismatch", "replayed_state", "expired_login"]
    );
}

#[tokio::test]
async fn id_tokens_that_fail_verification_are_refused() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let people = app.count_rows("person").await;
    for mode in ["nonce", "audience", "azp", "expired", "signature", "alg-none", "issuer"] {
        a.provider.tamper(mode).await;
        let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "nurse@a.example").await;
        assert_eq!(landing.error.as_deref(), Some("invalid_id_token"), "{mode}: {landing:?}");
        assert!(landing.code().is_none(), "{mode}");
    }
    a.provider.tamper("off").await;
    assert_eq!(app.count_rows("person").await, people, "nobody was provisioned");
    assert_eq!(refusals(&app).await, vec!["invalid_id_token"; 7]);
    // The details say which check failed (and nothing secret).
    let details: Vec<String> = entity::audit_event::Entity::find()
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "login.refused")
        .map(|e| e.after.expect("after")["detail"].as_str().unwrap_or_default().to_owned())
        .collect();
    for (detail, expected) in details.iter().zip(["nonce", "audience", "azp", "expired", "signature", "", "issuer"]) {
        assert!(detail.contains(expected), "{detail} should mention {expected}");
    }
    // Untampered, the same login works.
    log_in(&app, &a, "nurse@a.example").await;
}

use sea_orm::{ConnectionTrait, EntityTrait};

#[tokio::test]
async fn a_code_or_iss_from_the_other_issuer_is_refused() {
    let Some((app, _admin, a, b)) = network().await else { return };
    let browser = Browser::new();
    let at_a = browser.authorize(&a.login_url(&app, FRONT_END), "nurse@a.example").await.expect("callback a");
    let at_b = browser.authorize(&b.login_url(&app, FRONT_END), "epi@b.example").await.expect("callback b");
    let param = |url: &url::Url, name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let callback_a = |code: &str, iss: Option<&str>| {
        let mut url = url::Url::parse(&format!("{}/auth/{}/callback", app.base, a.slug)).expect("url");
        url.query_pairs_mut().append_pair("code", code).append_pair("state", &param(&at_a, "state").expect("state"));
        if let Some(iss) = iss {
            url.query_pairs_mut().append_pair("iss", iss);
        }
        url
    };
    // B's code and B's iss at A's callback: the issuer does not match.
    let b_code = param(&at_b, "code").expect("code");
    let landing = browser.callback(&callback_a(&b_code, Some(&b.provider.issuer))).await;
    assert_eq!(landing.error.as_deref(), Some("issuer_mismatch"), "{landing:?}");
    // B's code with a forged iss of A: A's provider refuses a code it never issued.
    let at_a = browser.authorize(&a.login_url(&app, FRONT_END), "nurse@a.example").await.expect("callback a");
    let mut url = url::Url::parse(&format!("{}/auth/{}/callback", app.base, a.slug)).expect("url");
    url.query_pairs_mut()
        .append_pair("code", &b_code)
        .append_pair("state", &param(&at_a, "state").expect("state"))
        .append_pair("iss", &a.provider.issuer);
    assert_eq!(browser.callback(&url).await.error.as_deref(), Some("token_exchange_failed"));
    // A's login answered without iss, though A's provider advertises it.
    let at_a = browser.authorize(&a.login_url(&app, FRONT_END), "nurse@a.example").await.expect("callback a");
    let mut url = url::Url::parse(&format!("{}/auth/{}/callback", app.base, a.slug)).expect("url");
    url.query_pairs_mut()
        .append_pair("code", &param(&at_a, "code").expect("code"))
        .append_pair("state", &param(&at_a, "state").expect("state"));
    assert_eq!(browser.callback(&url).await.error.as_deref(), Some("issuer_mismatch"));
    // B's whole answer delivered to A's callback: B's state belongs to B's callback.
    let mut to_a = at_b.clone();
    to_a.set_path(&format!("/auth/{}/callback", a.slug));
    assert_eq!(browser.callback(&to_a).await.error.as_deref(), Some("invalid_state"));
    // Refusals anyone can cause are audited once a minute per reason (the second
    // issuer_mismatch is counted into the next row).
    assert_eq!(refusals(&app).await, ["issuer_mismatch", "token_exchange_failed", "invalid_state"]);
}

#[tokio::test]
async fn email_domain_provider_and_person_must_be_allowed() {
    let Some((app, admin, a, _b)) = network().await else { return };
    // An e-mail outside the provider's allowed domains is not provisioned.
    let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "intruder@elsewhere.example").await;
    assert_eq!((landing.status, landing.error.as_deref()), (303, Some("email_domain_not_allowed")));

    // A disabled person cannot log in.
    let token = log_in(&app, &a, "nurse@a.example").await;
    let me = person_id(&app, &token).await;
    app.db
        .execute_unprepared(&format!("UPDATE person SET status = 'SUSPENDED' WHERE id = {me}"))
        .await
        .expect("suspend");
    let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "nurse@a.example").await;
    assert_eq!(landing.error.as_deref(), Some("person_disabled"));
    app.db
        .execute_unprepared(&format!("UPDATE person SET status = 'ACTIVE' WHERE id = {me}"))
        .await
        .expect("reinstate");

    // A disabled provider cannot be used: not to start, nor to finish a login begun before.
    let browser = Browser::new();
    let pending = browser.authorize(&a.login_url(&app, FRONT_END), "nurse@a.example").await.expect("callback");
    let disabled = app
        .ok(
            Some(&admin),
            "mutation($id: ID!) { disableIdentityProvider(input: { id: $id }) { identityProvider { enabled } } }",
            json!({ "id": a.provider_id }),
        )
        .await;
    assert_eq!(disabled["disableIdentityProvider"]["identityProvider"]["enabled"], false);
    assert_eq!(browser.callback(&pending).await.error.as_deref(), Some("provider_disabled"));
    let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "nurse@a.example").await;
    assert_eq!((landing.status, landing.error.as_deref()), (404, Some("no_identity_provider")));
    assert_eq!(
        refusals(&app).await,
        ["email_domain_not_allowed", "person_disabled", "provider_disabled", "no_identity_provider"]
    );
}

#[tokio::test]
async fn return_to_must_be_on_the_organization_allowlist() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    for bad in
        ["https://evil.example/steal", "https://front.example.evil.example/", "javascript:alert(1)", "//evil.example"]
    {
        let landing = Browser::new().login(&a.login_url(&app, bad), "nurse@a.example").await;
        assert_eq!((landing.status, landing.error.as_deref()), (400, Some("return_to_not_allowed")), "{bad}");
        assert!(landing.location.is_none(), "no redirect anywhere for {bad}");
    }
    // The server's own origin is always allowed.
    let own = format!("{}/welcome", app.base);
    let landing = Browser::new().login(&a.login_url(&app, &own), "nurse@a.example").await;
    assert!(landing.location.expect("location").as_str().starts_with(&own));
}

#[tokio::test]
async fn one_time_codes_work_once_and_expire() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "nurse@a.example").await;
    let code = landing.code().expect("code");
    let (status, body) = exchange_code(&app, &code).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["expiresAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    let (status, body) = exchange_code(&app, &code).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_code")), "a code works once");

    let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "nurse@a.example").await;
    app.db
        .execute_unprepared("UPDATE login_code SET expires_at = created_at WHERE used_at IS NULL")
        .await
        .expect("age the code");
    let (status, body) = exchange_code(&app, &landing.code().expect("code")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_code")), "expired after 60 seconds");
    let (status, _) = exchange_code(&app, "not-a-code").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_signing_key_rotation_needs_no_restart() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    log_in(&app, &a, "nurse@a.example").await; // Maillage now caches A's keys.
    a.provider.rotate_keys().await;
    let token = log_in(&app, &a, "nurse@a.example").await;
    assert_eq!(app.ok(Some(&token), ME, json!({})).await["me"]["email"], "nurse@a.example");
}

#[tokio::test]
async fn linking_an_account_is_explicit() {
    let Some((app, _admin, a, b)) = network().await else { return };
    let token = log_in(&app, &a, "consultant@a.example").await;
    let me = person_id(&app, &token).await;
    // Logging in at B with the same e-mail would not touch this account: never by e-mail.
    // The person asks to link their identity at B, then logs in there.
    b.provider.set_claims("consultant-at-b", json!({ "email": "consultant@a.example" })).await;
    // (From the browser that asked, which confirms on the page the callback shows.)
    let browser = Browser::new();
    let (status, started) = start_link(&app, &browser, &b.slug, Some(&token), FRONT_END).await;
    assert_eq!(status, 200, "{started}");
    let url = started["loginUrl"].as_str().expect("url").to_owned();
    assert!(url.contains("link=true"));
    let page = browser.login(&url, "consultant-at-b").await;
    assert_eq!(page.status, 200, "{page:?}");
    let landing = browser.submit_form(&app.base, &page.body).await;
    assert_eq!(landing.param("linked").as_deref(), Some("true"), "{landing:?}");
    assert!(landing.code().is_none());
    // Now a login at B is this same person, still of organization A.
    let via_b = log_in(&app, &b, "consultant-at-b").await;
    assert_eq!(person_id(&app, &via_b).await, me);
    assert_eq!(app.ok(Some(&via_b), ME, json!({})).await["me"]["organization"]["slug"], "cisss-a");
    // A link URL needs the browser that asked for it, and is single use.
    let again = Browser::new().login(&url, "consultant-at-b").await;
    assert_eq!((again.status, again.error.as_deref()), (401, Some("link_requires_login")));
    let again = browser.login(&url, "consultant-at-b").await;
    assert_eq!((again.status, again.error.as_deref()), (401, Some("link_requires_login")));
    let no_code = format!("{}/auth/{}/login?link=true&return_to={FRONT_END}", app.base, b.slug);
    assert_eq!(Browser::new().login(&no_code, "x").await.error.as_deref(), Some("link_requires_login"));
    // An identity already someone's cannot be linked to another person.
    let other = log_in(&app, &a, "other@a.example").await;
    let other_browser = Browser::new();
    let (_, started) = start_link(&app, &other_browser, &b.slug, Some(&other), FRONT_END).await;
    let url = started["loginUrl"].as_str().expect("url").to_owned();
    let landing = other_browser.login(&url, "consultant-at-b").await;
    assert_eq!(landing.error.as_deref(), Some("identity_already_linked"));
    let audited: Vec<String> =
        entity::audit_event::Entity::find().all(&app.db).await.expect("audit").into_iter().map(|e| e.action).collect();
    assert_eq!(audited.iter().filter(|a| *a == "identity.link").count(), 1);
    // Anonymous people cannot ask for a link.
    let (status, _) = start_link(&app, &Browser::new(), &b.slug, None, FRONT_END).await;
    assert_eq!(status, 401);

    // The person sees their two identities; nobody else does.
    let identities = "query($p: ID!) { node(id: $p) { ... on Person { identities { id issuer providerName organization { slug } } } } }";
    let me_id = app.ok(Some(&token), ME, json!({})).await["me"]["id"].clone();
    let mine = app.ok(Some(&token), identities, json!({ "p": me_id })).await["node"]["identities"].clone();
    assert_eq!(mine.as_array().expect("list").len(), 2);
    assert_eq!(mine[1]["issuer"], b.provider.issuer);
    assert_eq!(mine[1]["organization"]["slug"], b.slug);
    assert!(app.ok(Some(&other), identities, json!({ "p": me_id })).await["node"]["identities"].is_null());
    // Unlinking B's identity: a login there no longer reaches this person (and, its
    // e-mail being outside B's domains, provisions nobody). The last identity stays.
    let unlink = "mutation($i: ID!) { unlinkIdentity(input: { identityId: $i }) { identities { issuer } } }";
    let left = app.ok(Some(&token), unlink, json!({ "i": mine[1]["id"] })).await;
    assert_eq!(left["unlinkIdentity"]["identities"].as_array().expect("list").len(), 1);
    let landing = Browser::new().login(&b.login_url(&app, FRONT_END), "consultant-at-b").await;
    assert_eq!(landing.error.as_deref(), Some("email_domain_not_allowed"));
    let body = app.gql(Some(&token), unlink, json!({ "i": mine[0]["id"] })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "identityId"));
    let body = app.gql(Some(&other), unlink, json!({ "i": mine[0]["id"] })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "someone else's identity");
}

const SESSIONS: &str = "{ mySessions { id origin current expiresAt lastSeenAt } }";

#[tokio::test]
async fn sessions_are_listed_ended_revoked_and_time_out() {
    let Some((app, admin, a, _b)) = network().await else { return };
    let first = log_in(&app, &a, "nurse@a.example").await;
    let second = log_in(&app, &a, "nurse@a.example").await;
    let listed = app.ok(Some(&second), SESSIONS, json!({})).await["mySessions"].clone();
    assert_eq!(listed.as_array().expect("list").len(), 2);
    assert_eq!(listed[0]["current"], true);
    assert_eq!(listed[0]["origin"], "oidc");
    assert!(!listed.to_string().contains(&first) && !listed.to_string().contains(&second), "no token shown");

    // Revoke the other session; log out of this one.
    let revoke = "mutation($id: ID!) { revokeSession(input: { sessionId: $id }) { session { revokedAt } } }";
    let other = listed[1]["id"].clone();
    let done = app.ok(Some(&second), revoke, json!({ "id": other })).await;
    assert!(done["revokeSession"]["session"]["revokedAt"].is_string());
    assert_eq!(
        error_code(&app.gql(Some(&first), ME, json!({})).await),
        "UNAUTHENTICATED",
        "a revoked token is refused"
    );
    app.ok(Some(&second), "mutation { logout { revokedCount } }", json!({})).await;
    assert_eq!(error_code(&app.gql(Some(&second), SESSIONS, json!({})).await), "UNAUTHENTICATED");

    // Someone else cannot revoke (or see) this person's sessions; the organization's
    // administrator can revoke them all.
    let third = log_in(&app, &a, "nurse@a.example").await;
    let mine = app.ok(Some(&third), SESSIONS, json!({})).await["mySessions"][0]["id"].clone();
    let colleague = log_in(&app, &a, "colleague@a.example").await;
    assert_eq!(error_code(&app.gql(Some(&colleague), revoke, json!({ "id": mine })).await), "NOT_FOUND");
    let nurse = app.ok(Some(&third), ME, json!({})).await["me"]["id"].clone();
    let revoke_all = "mutation($p: ID!) { revokePersonSessions(input: { personId: $p }) { revokedCount } }";
    assert_eq!(error_code(&app.gql(Some(&colleague), revoke_all, json!({ "p": nurse })).await), "FORBIDDEN");
    let org_admin = log_in(&app, &a, "admin@a.example").await;
    let admin_person = app.ok(Some(&org_admin), ME, json!({})).await["me"]["id"].clone();
    app.ok(Some(&admin), harness::ops::ASSIGN_ROLE, json!({ "p": admin_person, "s": a.id, "r": "ADMIN" })).await;
    let done = app.ok(Some(&org_admin), revoke_all, json!({ "p": nurse })).await;
    assert_eq!(done["revokePersonSessions"]["revokedCount"], 1);
    assert!(app.gql(Some(&third), ME, json!({})).await["data"]["me"].is_null());

    // A login session unused for longer than the idle timeout ends.
    let idle = log_in(&app, &a, "nurse@a.example").await;
    app.ok(Some(&idle), ME, json!({})).await;
    let backend = app.db.get_database_backend();
    let past = chrono::Utc::now() - chrono::Duration::hours(3);
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            "UPDATE session SET last_seen_at = $1 WHERE revoked_at IS NULL AND origin = 'oidc'",
            [past.into()],
        ))
        .await
        .expect("age the session");
    // The server's sessions cache saw the session used a moment ago (an entry outlives
    // neither a minute nor the idle limit: unit tests in `auth::cache`); aged behind its
    // back, the database must be the only witness.
    app.app.sessions.forget_all();
    assert_eq!(error_code(&app.gql(Some(&idle), ME, json!({})).await), "UNAUTHENTICATED", "idle session ended");
}

const PROVIDERS: &str = "query($o: ID) { identityProviders(organizationId: $o) {
    id issuer clientId hasClientSecret displayName enabled loginUrl callbackUrl allowedEmailDomains
    claimMappings { claim contains equals organizationRole profileField } } }";

#[tokio::test]
async fn identity_providers_are_managed_by_their_organization_and_never_show_secrets() {
    let Some((app, admin, a, b)) = network().await else { return };
    // Only A's administrators (and network administrators) see or change A's providers.
    let listed = app.ok(Some(&admin), PROVIDERS, json!({ "o": a.id })).await;
    let text = listed.to_string();
    assert!(!text.contains(&a.client.client_secret), "the secret is never returned");
    let provider = &listed["identityProviders"][0];
    assert_eq!(provider["hasClientSecret"], true);
    assert_eq!(provider["callbackUrl"], format!("{}/auth/cisss-a/callback", app.base));
    assert_eq!(provider["claimMappings"][0]["organizationRole"], "MANAGER");
    assert_eq!(provider["claimMappings"][1]["profileField"], "JOB_TITLE");

    let b_admin_token = log_in(&app, &b, "admin@b.example").await;
    let b_admin = app.ok(Some(&b_admin_token), ME, json!({})).await["me"]["id"].clone();
    app.ok(Some(&admin), harness::ops::ASSIGN_ROLE, json!({ "p": b_admin, "s": b.id, "r": "ADMIN" })).await;
    assert_eq!(error_code(&app.gql(Some(&b_admin_token), PROVIDERS, json!({ "o": a.id })).await), "FORBIDDEN");
    let update = "mutation($input: UpdateIdentityProviderInput!) { updateIdentityProvider(input: $input) { identityProvider { displayName } } }";
    let body =
        app.gql(Some(&b_admin_token), update, json!({ "input": { "id": a.provider_id, "displayName": "Mine" } })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let own = app.ok(Some(&b_admin_token), PROVIDERS, json!({})).await;
    assert_eq!(own["identityProviders"].as_array().expect("list").len(), 1, "their own organization's");
    assert_eq!(own["identityProviders"][0]["issuer"], b.provider.issuer);
    // Anonymous people see nothing.
    assert_eq!(error_code(&app.gql(None, PROVIDERS, json!({ "o": a.id })).await), "UNAUTHENTICATED");

    // Discovery must succeed and name the same issuer.
    let register = harness::oidc::REGISTER_PROVIDER;
    let input = |issuer: &str| json!({ "input": { "organizationId": b.id, "issuer": issuer, "clientId": "x", "clientSecret": "y" } });
    for (issuer, why) in [
        ("http://127.0.0.1:9/unreachable", "unreachable"),
        (&format!("{}/__test/moved", b.provider.issuer), "discovery answered with a redirect, not followed"),
        (&format!("{}/", b.provider.issuer), "a trailing slash is another issuer"),
        ("http://login.example", "plain http off loopback"),
        ("not a url", "not a URL"),
    ] {
        let body = app.gql(Some(&b_admin_token), register, input(issuer)).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "issuer"), "{why}: {body}");
    }
    let body = app.gql(Some(&b_admin_token), register, input(&b.provider.issuer)).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "issuer"), "{body}");
    let bad_rule = json!({ "input": { "id": b.provider_id, "claimMappings": [{ "claim": "groups", "organizationRole": "ADMIN" }] } });
    let body = app.gql(Some(&b_admin_token), update, bad_rule).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "claimMappings[0].contains"));

    // A new secret replaces the old one (write-only), and logins keep working with it
    // only when it is right.
    let body =
        app.ok(Some(&admin), update, json!({ "input": { "id": a.provider_id, "clientSecret": "wrong-secret" } })).await;
    assert!(!body.to_string().contains("wrong-secret"));
    let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "nurse@a.example").await;
    assert_eq!(landing.error.as_deref(), Some("token_exchange_failed"));
    app.ok(Some(&admin), update, json!({ "input": { "id": a.provider_id, "clientSecret": a.client.client_secret } }))
        .await;
    log_in(&app, &a, "nurse@a.example").await;

    // Neither the audit trail nor the database holds a secret in clear.
    let audit: Vec<String> = entity::audit_event::Entity::find()
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| format!("{:?} {:?}", e.before, e.after))
        .collect();
    assert!(audit.iter().any(|e| e.contains("clientSecretChanged")));
    for secret in [&a.client.client_secret, &b.client.client_secret, &"wrong-secret".to_owned()] {
        assert!(!audit.iter().any(|e| e.contains(secret.as_str())), "audit holds a secret");
    }
    let stored = entity::identity_provider::Entity::find().all(&app.db).await.expect("providers");
    assert!(stored.iter().all(|p| p.client_secret_encrypted.starts_with("v1:")
        && !p.client_secret_encrypted.contains(&a.client.client_secret)));
}

#[tokio::test]
async fn login_options_find_the_organization_of_an_email_domain() {
    let Some((app, _admin, a, b)) = network().await else { return };
    let query = "query($e: String!) { loginOptions(email: $e) { organization { slug } displayName loginUrl } }";
    let options = app.ok(None, query, json!({ "e": "Someone@B.example" })).await;
    assert_eq!(options["loginOptions"].as_array().expect("list").len(), 1);
    assert_eq!(options["loginOptions"][0]["organization"]["slug"], b.slug);
    let url = options["loginOptions"][0]["loginUrl"].as_str().expect("url");
    assert!(url.starts_with(&format!("{}/auth/{}/login", app.base, b.slug)));
    // The URL works as given, with a return_to added.
    let landing = Browser::new().login(&format!("{url}&return_to={FRONT_END}"), "someone@b.example").await;
    assert!(landing.code().is_some(), "{landing:?}");
    assert!(
        app.ok(None, query, json!({ "e": "x@unknown.example" })).await["loginOptions"]
            .as_array()
            .expect("list")
            .is_empty()
    );
    let body = app.gql(None, query, json!({ "e": "not an e-mail" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "email"));
    let _ = a;
}

#[tokio::test]
async fn browsers_may_call_the_api_from_listed_front_ends_only() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = harness::fixtures::organization(&app, &admin, "cisss-cors").await;
    app.ok(
        Some(&admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { allowedReturnUrls } } }",
        json!({ "input": { "id": org, "allowedReturnUrls": ["https://portail.cisss.example/app"] } }),
    )
    .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str, path: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", app.base))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let allowed = |response: &reqwest::Response| {
        response.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    for path in ["/auth/token", "/graphql"] {
        let ok = preflight("https://portail.cisss.example", path).await.expect("preflight");
        assert_eq!(allowed(&ok).as_deref(), Some("https://portail.cisss.example"), "{path}");
        let refused = preflight("https://evil.example", path).await.expect("preflight");
        assert_eq!(allowed(&refused), None, "{path}");
    }
    let response = client
        .post(format!("{}/graphql", app.base))
        .header("Origin", "https://portail.cisss.example")
        .bearer_auth(&admin)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .expect("post");
    assert_eq!(allowed(&response).as_deref(), Some("https://portail.cisss.example"));
}
