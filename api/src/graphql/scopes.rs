//! What a personal access token's scopes allow, decided on the operation before it runs:
//! any scope reads (queries); `WRITE` also runs the mutations of community life; `ADMIN`
//! runs every mutation its person may run. Every mutation of the schema is classified
//! here (a test fails for one that is not), and one that is not counts as `ADMIN`.
//! Login sessions are not limited by scopes.

use std::collections::HashSet;

use async_graphql::{
    ErrorExtensionValues, Pos, ServerError,
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};
use entity::enums::TokenScope;

use crate::auth::Actor;

/// Mutations any token may run: ending the token itself.
const ANY_SCOPE: &[&str] = &["logout", "__typename"];

/// Mutations of community life: `WRITE` (or `ADMIN`).
const WRITE: &[&str] = &[
    "createCommunity",
    "updateCommunity",
    "archiveCommunity",
    "createThread",
    "createPost",
    "createDocument",
    "addDocumentVersion",
    "restoreDocumentVersion",
    "updateDocument",
    "archiveDocument",
    "unarchiveDocument",
    "publishDocument",
    "validateDocumentVersion",
    "purgeDocument",
    "createWikiPage",
    "updateWikiPage",
    "restoreWikiPageRevision",
    "createTheme",
    "updateTheme",
    "deleteTheme",
    "joinCommunity",
    "inviteToCommunity",
    "acceptInvitation",
    "declineInvitation",
    "decideMembership",
    "leaveCommunity",
    "removeMember",
    "banMember",
    "assignCommunityRoles",
    "addCommunityOrganization",
    "removeCommunityOrganization",
    "setCommunitySponsor",
    "createSubgroup",
    "updateSubgroup",
    "addSubgroupMember",
    "createEvent",
    "updateEvent",
    "cancelEvent",
    "rsvp",
    "recordAttendance",
    // Discussions (issue 14).
    "editPost",
    "deletePost",
    "acceptAnswer",
    "react",
    "unreact",
    "lockThread",
    "unlockThread",
    "pinThread",
    "unpinThread",
    "moveThread",
    "hidePost",
    "reportPost",
    "resolveReport",
    "markThreadRead",
    "followThread",
    "unfollowThread",
    // Directory (issue 14).
    "updateMyProfile",
    // Time budget (issue 13).
    "logTime",
    "decideTimeOverrun",
    "setTimeAllowance",
];

/// Administration: organizations, the access policy, identity providers, sessions,
/// identities and tokens: `ADMIN` only, like any mutation not listed above (listed here
/// so that the test below sees every mutation classified on purpose).
#[cfg(test)]
const ADMIN: &[&str] = &[
    "createOrganization",
    "updateOrganization",
    "grantPermission",
    "revokePermission",
    "assignRole",
    "revokeRole",
    "importPolicy",
    "registerIdentityProvider",
    "updateIdentityProvider",
    "disableIdentityProvider",
    "revokeSession",
    "revokePersonSessions",
    "unlinkIdentity",
    "createPersonalAccessToken",
    "revokePersonalAccessToken",
    "createApiClient",
    "rotateApiClientSecret",
    "revokeApiClient",
    "registerTrustedDocuments",
    "updateApiClient",
    "requireTrustedDocuments",
    "resetCalendarFeed",
    "setParticipationSettings",
];

/// The scope a mutation needs (`None`: any).
fn needed(field: &str) -> Option<TokenScope> {
    if ANY_SCOPE.contains(&field) {
        None
    } else if WRITE.contains(&field) {
        Some(TokenScope::Write)
    } else {
        Some(TokenScope::Admin)
    }
}

/// The root fields of a selection set, through fragments (each fragment once).
fn root_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
    fields: &mut Vec<&'a str>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => fields.push(field.node.name.node.as_str()),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if seen.insert(name)
                    && let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                {
                    root_fields(document, &fragment.node.selection_set.node, seen, fields);
                }
            }
            Selection::InlineFragment(inline) => root_fields(document, &inline.node.selection_set.node, seen, fields),
        }
    }
}

/// The refusal of the operation `name` selects in `document` (by name, or the only one)
/// when the actor's token scopes do not allow one of its mutations; `None` when they do,
/// or when the actor uses a login session.
pub fn refusal(document: &ExecutableDocument, name: Option<&str>, actor: &Actor) -> Option<ServerError> {
    let scopes = actor.scopes.as_ref()?;
    if scopes.contains(&TokenScope::Admin) {
        return None;
    }
    for (operation_name, operation) in document.operations.iter() {
        if name.is_some_and(|name| operation_name.is_none_or(|n| n.as_str() != name)) {
            continue;
        }
        if operation.node.ty != OperationType::Mutation {
            continue;
        }
        let mut fields = Vec::new();
        root_fields(document, &operation.node.selection_set.node, &mut HashSet::new(), &mut fields);
        for field in fields {
            if let Some(scope) = needed(field)
                && !scopes.contains(&scope)
            {
                let mut error = ServerError::new(
                    format!(
                        "this {} may not run `{field}`: that takes the {} scope",
                        if actor.api_client_id.is_some() { "API client's token" } else { "personal access token" },
                        scope.as_str()
                    ),
                    Some(Pos::default()),
                );
                let mut extensions = ErrorExtensionValues::default();
                extensions.set("code", "FORBIDDEN");
                error.extensions = Some(extensions);
                error.locations = Vec::new();
                return Some(error);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mutation_of_the_schema_is_classified_once() {
        let sdl = crate::graphql::sdl();
        let start = sdl.find("type Mutation {").expect("a Mutation type");
        let end = start + sdl[start..].find("\n}").expect("its end");
        let mut names = Vec::new();
        let (mut in_description, mut depth) = (false, 0usize);
        for line in sdl[start..end].lines().skip(1) {
            let line = line.trim();
            if line.starts_with("\"\"\"") {
                // A block description opens and closes on one line, or spans several.
                if !(line.len() > 3 && line.ends_with("\"\"\"")) {
                    in_description = !in_description;
                }
                continue;
            }
            if in_description || line.is_empty() || line.starts_with('"') {
                continue;
            }
            // Fields at the top level only, not the arguments listed under them.
            if depth == 0 {
                let name: String = line.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
            depth = (depth + line.matches('(').count()).saturating_sub(line.matches(')').count());
        }
        assert!(names.len() >= 30, "{names:?}");
        for name in &names {
            let classes = [ANY_SCOPE, WRITE, ADMIN].iter().filter(|c| c.contains(&name.as_str())).count();
            assert_eq!(classes, 1, "mutation {name}: classify it once in graphql::scopes");
        }
        for listed in ANY_SCOPE.iter().chain(WRITE).chain(ADMIN).filter(|n| **n != "__typename") {
            assert!(names.iter().any(|n| n == listed), "{listed} is not a mutation of the schema");
        }
    }
}
