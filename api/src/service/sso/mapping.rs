//! Claim mappings: rules that turn an identity provider's claims into profile fields and
//! organization roles. They belong to one provider, so they are namespaced by its issuer,
//! and the roles they grant are always roles in that provider's own organization.

use crate::i18n::Message;
use std::collections::BTreeSet;

use entity::enums::OrganizationRoleKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ServiceError, ServiceResult};

/// Most rules a provider may have.
pub const MAX_RULES: usize = 50;
const TEXT_MAX: usize = 200;

/// A profile field a claim can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProfileField {
    DisplayName,
    JobTitle,
    Profession,
}

/// One rule, e.g. `groups contains "gestionnaires" → MANAGER` or `job_title → jobTitle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimMapping {
    /// The claim's name; dots reach into objects (`realm_access.roles`).
    pub claim: String,
    /// Grant the role when the claim is a list holding this value (or a string equal to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Grant the role when the claim equals this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// The organization role granted when the condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_role: Option<String>,
    /// The profile field the claim's text is copied into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_field: Option<ProfileField>,
}

/// What a provider's claims say about a person, after its rules.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub roles: BTreeSet<OrganizationRoleKind>,
    pub display_name: Option<String>,
    pub job_title: Option<String>,
    pub profession: Option<String>,
}

/// Checks a set of rules; errors name the rule (`claimMappings[2].claim`).
pub fn validate(rules: &[ClaimMapping]) -> ServiceResult<()> {
    if rules.len() > MAX_RULES {
        return Err(ServiceError::bad_input("claimMappings", Message::new("rules-max").arg("max", MAX_RULES)));
    }
    for (i, rule) in rules.iter().enumerate() {
        let field = |name: &str| format!("claimMappings[{i}].{name}");
        let claim = rule.claim.trim();
        if claim.is_empty() || claim.len() > TEXT_MAX || claim.split('.').any(str::is_empty) {
            return Err(ServiceError::bad_input(field("claim"), Message::new("claim-name")));
        }
        crate::service::validate::single_line(&field("claim"), claim)?;
        for (name, value) in [("contains", &rule.contains), ("equals", &rule.equals)] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty() || v.len() > TEXT_MAX) {
                return Err(ServiceError::bad_input(
                    field(name),
                    Message::new("length-between").arg("min", 1).arg("max", 200),
                ));
            }
            if let Some(v) = value {
                crate::service::validate::single_line(&field(name), v)?;
            }
        }
        match (&rule.organization_role, rule.profile_field) {
            (Some(role), None) => {
                if OrganizationRoleKind::parse(role).is_none() {
                    return Err(ServiceError::bad_input(field("organizationRole"), Message::new("organization-roles")));
                }
                if rule.contains.is_some() == rule.equals.is_some() {
                    return Err(ServiceError::bad_input(field("contains"), Message::new("role-rule-condition")));
                }
            }
            (None, Some(_)) => {
                if rule.contains.is_some() || rule.equals.is_some() {
                    return Err(ServiceError::bad_input(field("profileField"), Message::new("profile-rule-condition")));
                }
            }
            _ => {
                return Err(ServiceError::bad_input(field("organizationRole"), Message::new("rule-target")));
            }
        }
    }
    Ok(())
}

/// Reads rules stored as JSON (bad stored rules are skipped, with a warning).
pub fn from_json(value: &Value) -> Vec<ClaimMapping> {
    serde_json::from_value(value.clone()).unwrap_or_else(|err| {
        tracing::warn!(%err, "stored claim mappings are unreadable; ignoring them");
        Vec::new()
    })
}

/// A claim by name, reaching into objects with dots.
fn lookup<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    let mut parts = name.split('.');
    let mut value = claims.get(parts.next()?)?;
    for part in parts {
        value = value.as_object()?.get(part)?;
    }
    Some(value)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn holds(value: &Value, wanted: &str) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| text_of(item).is_some_and(|t| t == wanted)),
        other => text_of(other).is_some_and(|t| t == wanted || t.split_whitespace().any(|w| w == wanted)),
    }
}

/// Applies the rules to a provider's claims.
pub fn apply(rules: &[ClaimMapping], claims: &Map<String, Value>) -> Mapped {
    let mut mapped = Mapped::default();
    for rule in rules {
        let Some(value) = lookup(claims, &rule.claim) else { continue };
        if let Some(field) = rule.profile_field {
            let text = text_of(value).map(|t| crate::service::validate::clean_line(&t, TEXT_MAX));
            let Some(text) = text.filter(|t| !t.is_empty()) else { continue };
            match field {
                ProfileField::DisplayName => mapped.display_name = Some(text),
                ProfileField::JobTitle => mapped.job_title = Some(text),
                ProfileField::Profession => mapped.profession = Some(text),
            }
            continue;
        }
        let Some(role) = rule.organization_role.as_deref().and_then(OrganizationRoleKind::parse) else { continue };
        let matched = match (&rule.contains, &rule.equals) {
            (Some(wanted), _) => holds(value, wanted),
            (None, Some(wanted)) => text_of(value).is_some_and(|t| &t == wanted),
            (None, None) => false,
        };
        if matched {
            mapped.roles.insert(role);
        }
    }
    mapped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn role(claim: &str, contains: &str, role: &str) -> ClaimMapping {
        ClaimMapping {
            claim: claim.into(),
            contains: Some(contains.into()),
            equals: None,
            organization_role: Some(role.into()),
            profile_field: None,
        }
    }

    #[test]
    fn groups_grant_roles_and_claims_fill_the_profile() {
        let rules = vec![
            role("groups", "gestionnaires", "MANAGER"),
            role("realm_access.roles", "admins", "ADMIN"),
            ClaimMapping {
                claim: "job_title".into(),
                contains: None,
                equals: None,
                organization_role: None,
                profile_field: Some(ProfileField::JobTitle),
            },
        ];
        validate(&rules).expect("valid");
        let claims = json!({
            "groups": ["infirmières", "gestionnaires"], "job_title": "Chef de service",
            "realm_access": { "roles": ["users"] },
        });
        let mapped = apply(&rules, claims.as_object().expect("object"));
        assert_eq!(mapped.roles.into_iter().collect::<Vec<_>>(), vec![OrganizationRoleKind::Manager]);
        assert_eq!(mapped.job_title.as_deref(), Some("Chef de service"));
        let none = apply(&rules, json!({ "groups": "infirmières" }).as_object().expect("object"));
        assert!(none.roles.is_empty());
    }

    #[test]
    fn rules_are_validated_with_their_position_named() {
        let mut bad = role("groups", "x", "OWNER");
        let err = validate(&[role("groups", "x", "MANAGER"), bad.clone()]).expect_err("bad role");
        assert_eq!(err.field(), Some("claimMappings[1].organizationRole"));
        bad.organization_role = Some("MANAGER".into());
        bad.equals = Some("y".into());
        assert_eq!(validate(&[bad]).expect_err("two conditions").field(), Some("claimMappings[0].contains"));
    }
}
