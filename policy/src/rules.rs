//! Policy lines: parsing the casbin CSV form, validating every field, and printing them
//! back. Nothing reaches the enforcer or the database without passing [`Rule::validate`].

use std::fmt;

use crate::{
    error::{Attribute, Invalid, PolicyError},
    vocabulary::{Action, Object, Role, Scope, ScopeKind},
};

/// The fields of a `p` line after its type.
pub const P_FIELDS: usize = 8;

/// One policy line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rule {
    /// `p, role, domain, object, action, visibility, policy, archived, effect`
    Permission(Vec<String>),
    /// `g, role, inherited role`: the first role can do what the second can.
    Inheritance(String, String),
}

const VISIBILITIES: [&str; 6] = ["*", "PUBLIC", "NETWORK", "MEMBERS", "COMMUNITY", "-"];
const POLICIES: [&str; 5] = ["*", "OPEN", "APPROVAL", "INVITATION", "-"];
const STATES: [&str; 3] = ["*", "active", "archived"];
const EFFECTS: [&str; 2] = ["allow", "deny"];

impl Rule {
    /// A permission rule from typed parts.
    pub fn permission(role: Role, domain: &str, object: Object, action: Action, allow: bool) -> Self {
        Self::Permission(vec![
            role.name(),
            domain.to_owned(),
            object.as_str().to_owned(),
            action.as_str().to_owned(),
            "*".into(),
            "*".into(),
            "*".into(),
            if allow { "allow" } else { "deny" }.to_owned(),
        ])
    }

    /// `p` or `g`.
    pub fn ptype(&self) -> &'static str {
        match self {
            Self::Permission(_) => "p",
            Self::Inheritance(..) => "g",
        }
    }

    /// The fields after the type.
    pub fn values(&self) -> Vec<String> {
        match self {
            Self::Permission(v) => v.clone(),
            Self::Inheritance(a, b) => vec![a.clone(), b.clone()],
        }
    }

    /// The rule's domain (`community:*`…); inheritance lines have none.
    pub fn domain(&self) -> Option<&str> {
        match self {
            Self::Permission(v) => v.get(1).map(String::as_str),
            Self::Inheritance(..) => None,
        }
    }

    /// Builds a rule from a stored or parsed line.
    pub fn from_parts(ptype: &str, values: &[String]) -> Result<Self, PolicyError> {
        let rule = match ptype {
            "p" => Self::Permission(values.to_vec()),
            "g" if values.len() == 2 => Self::Inheritance(values[0].clone(), values[1].clone()),
            "g" => return Err(Invalid::InheritanceFields.into()),
            other => return Err(Invalid::UnknownLineType { found: other.to_owned() }.into()),
        };
        rule.validate()?;
        Ok(rule)
    }

    /// Checks every field: known roles, domains, objects, actions and attribute values,
    /// and roles that count in the rule's scope kind.
    pub fn validate(&self) -> Result<(), PolicyError> {
        match self {
            Self::Inheritance(a, b) => {
                let (ra, rb) = (role(a)?, role(b)?);
                if ra.kind() != rb.kind() || ra.kind().is_none() {
                    return Err(Invalid::InheritsOtherKind { role: a.clone(), inherited: b.clone() }.into());
                }
                if ra == rb {
                    return Err(Invalid::InheritsItself { role: a.clone() }.into());
                }
                Ok(())
            }
            Self::Permission(v) => {
                if v.len() != P_FIELDS {
                    return Err(Invalid::PermissionFields { found: v.len() }.into());
                }
                let r = role(&v[0])?;
                let (kind, _) =
                    Scope::parse_domain(&v[1]).ok_or_else(|| Invalid::UnknownScope { scope: v[1].clone() })?;
                if !r.counts_in(kind) {
                    return Err(Invalid::RoleOutOfScope { role: v[0].clone(), scope: v[1].clone() }.into());
                }
                let object = Object::parse(&v[2]).ok_or_else(|| Invalid::UnknownObject { object: v[2].clone() })?;
                if !object_fits(object, kind) {
                    return Err(Invalid::ObjectOutOfScope { object: v[2].clone(), scope: v[1].clone() }.into());
                }
                Action::parse(&v[3]).ok_or_else(|| Invalid::UnknownAction { action: v[3].clone() })?;
                check_value(Attribute::Visibility, &v[4], &VISIBILITIES)?;
                check_value(Attribute::MembershipPolicy, &v[5], &POLICIES)?;
                check_value(Attribute::State, &v[6], &STATES)?;
                check_value(Attribute::Effect, &v[7], &EFFECTS)?;
                Ok(())
            }
        }
    }

    /// Parses a casbin CSV policy (`p, …` and `g, …` lines; `#` comments); reports the
    /// first bad line by number.
    pub fn parse_csv(text: &str) -> Result<Vec<Rule>, PolicyError> {
        let mut rules = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<String> = line.split(',').map(|f| f.trim().to_owned()).collect();
            let rule = Rule::from_parts(&fields[0], &fields[1..]).map_err(|e| e.at_line(n + 1))?;
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        Self::check_inheritance(&rules)?;
        Ok(rules)
    }

    /// Refuses inheritance that loops back (`g, community:MEMBER, community:FOUNDER`
    /// under the default lines): in a cycle every role can do what every other can, so
    /// the least of them becomes the greatest.
    pub fn check_inheritance(rules: &[Rule]) -> Result<(), PolicyError> {
        let edges: Vec<(&str, &str)> = rules
            .iter()
            .filter_map(|r| match r {
                Self::Inheritance(a, b) => Some((a.as_str(), b.as_str())),
                Self::Permission(_) => None,
            })
            .collect();
        // Depth-first from every role, following "inherits"; a role met again on the
        // current path closes a cycle.
        fn visit<'a>(
            role: &'a str,
            edges: &[(&'a str, &'a str)],
            path: &mut Vec<&'a str>,
            done: &mut std::collections::HashSet<&'a str>,
        ) -> Result<(), PolicyError> {
            if let Some(start) = path.iter().position(|r| *r == role) {
                let mut cycle: Vec<&str> = path[start..].to_vec();
                cycle.push(role);
                return Err(Invalid::InheritanceCycle { cycle: cycle.into_iter().map(str::to_owned).collect() }.into());
            }
            if !done.insert(role) {
                return Ok(());
            }
            path.push(role);
            for (_, inherited) in edges.iter().filter(|(a, _)| *a == role) {
                visit(inherited, edges, path, done)?;
            }
            path.pop();
            Ok(())
        }
        let mut done = std::collections::HashSet::new();
        for (role, _) in &edges {
            visit(role, &edges, &mut Vec::new(), &mut done)?;
        }
        Ok(())
    }

    /// The rules as casbin CSV, inheritance first.
    pub fn to_csv(rules: &[Rule]) -> String {
        let mut sorted: Vec<&Rule> = rules.iter().collect();
        sorted.sort_by_key(|r| r.ptype() == "p");
        sorted.iter().map(|r| format!("{r}\n")).collect()
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.ptype(), self.values().join(", "))
    }
}

fn role(name: &str) -> Result<Role, PolicyError> {
    Role::parse(name).ok_or_else(|| Invalid::UnknownRole { role: name.to_owned() }.into())
}

fn object_fits(object: Object, kind: ScopeKind) -> bool {
    matches!(
        (object, kind),
        (Object::Network, ScopeKind::Network)
            | (Object::Organization, ScopeKind::Organization)
            | (Object::Community, ScopeKind::Community)
            | (Object::Subgroup, ScopeKind::Subgroup)
            | (Object::TimeEntry, ScopeKind::Community)
    )
}

fn check_value(attribute: Attribute, value: &str, allowed: &'static [&'static str]) -> Result<(), Invalid> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Invalid::NotAllowed { attribute, value: value.to_owned(), allowed })
    }
}

/// The default policy shipped with Maillage.
pub const DEFAULT_POLICY: &str = include_str!("../default_policy.csv");

/// The casbin model.
pub const MODEL: &str = include_str!("../model.conf");

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::OrganizationRoleKind;

    #[test]
    fn the_default_policy_is_valid() {
        let rules = Rule::parse_csv(DEFAULT_POLICY).expect("valid default policy");
        assert!(rules.len() > 50);
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let cases = [
            ("p, community:MEMBER, community:*, community, post, *, *, *", "8 fields"),
            ("p, organization:MEMBER, community:*, community, post, *, *, *, allow", "does not count"),
            ("p, community:MEMBER, community:*, community, teleport, *, *, *, allow", "unknown action"),
            ("p, community:MEMBER, community:*, community, post, SECRET, *, *, allow", "visibility"),
            ("p, community:MEMBER, galaxy:*, community, post, *, *, *, allow", "unknown scope"),
            ("p, community:MEMBER, community:*, organization, update, *, *, *, allow", "not found in"),
            ("g, community:MEMBER, organization:ADMIN", "same kind"),
            ("x, a, b", "unknown line type"),
        ];
        for (line, expected) in cases {
            let text = format!("# header\n\n{line}\n");
            let err = Rule::parse_csv(&text).expect_err(line).to_string();
            assert!(err.contains(expected) && err.contains("line 3"), "{line}: {err}");
        }
    }

    #[test]
    fn errors_are_typed_with_what_the_caller_wrote() {
        let line = "p, community:MEMBER, community:*, community, post, SECRET, *, *, allow";
        match Rule::parse_csv(&format!("\n{line}\n")) {
            Err(PolicyError::Invalid { line: Some(2), problem: Invalid::NotAllowed { attribute, value, allowed } }) => {
                assert_eq!((attribute, value.as_str()), (Attribute::Visibility, "SECRET"));
                assert_eq!(allowed, &VISIBILITIES);
            }
            other => panic!("{other:?}"),
        }
        let rule = Rule::permission(
            Role::Organization(OrganizationRoleKind::Admin),
            "community:*",
            Object::Community,
            Action::Post,
            true,
        );
        match rule.validate() {
            Err(PolicyError::Invalid { line: None, problem: Invalid::RoleOutOfScope { role, scope } }) => {
                assert_eq!((role.as_str(), scope.as_str()), ("organization:ADMIN", "community:*"));
            }
            other => panic!("{other:?}"),
        }
        let two = "g, subgroup:LEAD, subgroup:MEMBER\ng, subgroup:MEMBER, subgroup:LEAD\n";
        match Rule::parse_csv(two) {
            Err(PolicyError::Invalid { line: None, problem: Invalid::InheritanceCycle { cycle } }) => {
                assert_eq!(cycle, ["subgroup:LEAD", "subgroup:MEMBER", "subgroup:LEAD"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn inheritance_cycles_are_refused() {
        let escalation = format!("{DEFAULT_POLICY}\ng, community:MEMBER, community:FOUNDER\n");
        let err = Rule::parse_csv(&escalation).expect_err("a cycle").to_string();
        assert!(err.contains("cycle") && err.contains("community:FOUNDER"), "{err}");
        let two = "g, subgroup:LEAD, subgroup:MEMBER\ng, subgroup:MEMBER, subgroup:LEAD\n";
        assert!(Rule::parse_csv(two).expect_err("a cycle").to_string().contains("cycle"));
        let diamond = "g, community:ANIMATOR, community:MEMBER\ng, community:MENTOR, community:MEMBER\ng, community:FOUNDER, community:ANIMATOR\ng, community:FOUNDER, community:MENTOR\n";
        assert!(Rule::parse_csv(diamond).is_ok(), "shared ancestors are no cycle");
    }

    #[test]
    fn csv_round_trips() {
        let rules = Rule::parse_csv(DEFAULT_POLICY).expect("valid");
        assert_eq!(Rule::parse_csv(&Rule::to_csv(&rules)).expect("valid").len(), rules.len());
    }
}
