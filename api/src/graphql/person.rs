//! People in the schema, and `me`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::person as db;

use super::{
    GqlResult, caller,
    community::{Community, Membership},
    connection::{self, Conn},
    db,
    enums::{FieldVisibility, RecordStatus},
    ids::{NodeKind, from_global, to_global},
    loaders::{
        IdLoader, OrganizationById, PersonExpertise, PersonMembershipsAll, PersonMembershipsShared,
        PersonSharedMemberships, ProfileStandings, loader,
    },
    organization::Organization,
};
use crate::service::{
    directory::{self, DirectoryFilter, ProfileUpdate, Standing},
    page::ListOrder,
};
use crate::{error::ServiceError, service::person as service};

/// A field of a person's profile whose visibility the person chooses (not the
/// claim-mapping `ProfileField`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryField {
    /// Job title.
    JobTitle,
    /// Profession.
    Profession,
    /// Region.
    Region,
    /// Languages.
    Languages,
    /// Declared expertise: its tags and its text.
    Expertise,
    /// E-mail address (administrators of the person's organization and of the network
    /// always see it).
    Email,
}

impl From<DirectoryField> for directory::DirectoryField {
    fn from(value: DirectoryField) -> Self {
        match value {
            DirectoryField::JobTitle => Self::JobTitle,
            DirectoryField::Profession => Self::Profession,
            DirectoryField::Region => Self::Region,
            DirectoryField::Languages => Self::Languages,
            DirectoryField::Expertise => Self::Expertise,
            DirectoryField::Email => Self::Email,
        }
    }
}

/// The visibility of each profile field.
const FIELDS: [DirectoryField; 6] = [
    DirectoryField::JobTitle,
    DirectoryField::Profession,
    DirectoryField::Region,
    DirectoryField::Languages,
    DirectoryField::Expertise,
    DirectoryField::Email,
];

#[derive(Clone)]
pub struct Person(pub db::Model);

/// A person of the network: nurse, social worker, epidemiologist, manager… People are
/// shown to logged-in viewers only.
#[Object]
impl Person {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Person, self.0.id)
    }
    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// E-mail address: shown to the person themselves, to whom its visibility allows
    /// (people who share an active community or an organization with them by default),
    /// and always to administrators of their organization and of the network; null for
    /// anyone else.
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(self.shown(ctx, DirectoryField::Email).await?.then_some(self.0.email.as_str()))
    }
    /// Job title (set by the person, or from their identity provider); null when unknown
    /// or hidden from the viewer.
    async fn job_title(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(self.shown(ctx, DirectoryField::JobTitle).await?.then_some(self.0.job_title.as_deref()).flatten())
    }
    /// Profession (nurse, social worker…); null when unknown or hidden from the viewer.
    async fn profession(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(self.shown(ctx, DirectoryField::Profession).await?.then_some(self.0.profession.as_deref()).flatten())
    }
    /// Region where the person works; null when unknown or hidden from the viewer.
    async fn region(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(self.shown(ctx, DirectoryField::Region).await?.then_some(self.0.region.as_deref()).flatten())
    }
    /// Languages the person works in (BCP 47 tags, in their order); null when hidden from
    /// the viewer.
    async fn languages(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<&str>>> {
        if !self.shown(ctx, DirectoryField::Languages).await? {
            return Ok(None);
        }
        Ok(Some(self.0.languages.as_deref().map(|l| l.split(',').collect()).unwrap_or_default()))
    }
    /// What the person says they know about; null when hidden from the viewer.
    async fn declared_expertise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DeclaredExpertise>> {
        if !self.shown(ctx, DirectoryField::Expertise).await? {
            return Ok(None);
        }
        let tags = loader::<PersonExpertise, _>(ctx).load_one(self.0.id).await.gql()?.unwrap_or_default();
        Ok(Some(DeclaredExpertise { tags, text: self.0.expertise_text.clone() }))
    }
    /// Who knows what: the person's expertise per tag, derived from the activity the
    /// viewer may see (accepted answers, replies others marked USEFUL, published
    /// documents they authored, roles of content expert or mentor), highest score first,
    /// then by tag. Activity the viewer cannot see counts for nothing. Empty when the
    /// viewer does not see the person's declared expertise (its visibility hides both)
    /// and for anonymous viewers.
    #[graphql(complexity = "super::expertise::expertise_cost(first, child_complexity)")]
    async fn expertise(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many tags to return, the highest scores first: 0 to 50 (10 by default); out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<super::expertise::ExpertiseScore>> {
        if !self.shown(ctx, DirectoryField::Expertise).await? {
            return Ok(Vec::new());
        }
        super::expertise::expertise_of(ctx, self.0.id, first).await
    }
    /// Who may see each field of the profile: shown to the person themselves only (null
    /// for anyone else).
    async fn field_visibility(&self, ctx: &Context<'_>) -> Option<Vec<FieldVisibilitySetting>> {
        if caller(ctx).person_id() != Some(self.0.id) {
            return None;
        }
        Some(
            FIELDS
                .into_iter()
                .map(|field| FieldVisibilitySetting {
                    field,
                    visibility: directory::DirectoryField::from(field).visibility_of(&self.0).into(),
                })
                .collect(),
        )
    }
    /// Communities the viewer and the person both take part in (active members of both),
    /// among those the viewer may see and whose members they may list; oldest membership
    /// first. Empty for anonymous viewers.
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn shared_communities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100 (20 by default); out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Community>> {
        use super::loaders::{CountLoader, PageLoader, VisibleCommunityById};
        let order = ListOrder::default();
        let req = connection::page_request(first, after, None, None, order).gql()?;
        let page = if caller(ctx).viewer.is_some() {
            loader::<PageLoader<PersonSharedMemberships>, _>(ctx)
                .load_one((self.0.id, req))
                .await
                .gql()?
                .unwrap_or_else(crate::service::page::Page::empty)
        } else {
            crate::service::page::Page::empty()
        };
        let total = if connection::wants_count(ctx) && caller(ctx).viewer.is_some() {
            loader::<CountLoader<PersonSharedMemberships>, _>(ctx).load_one(self.0.id).await.gql()?.unwrap_or(0)
        } else {
            0
        };
        let communities =
            loader::<VisibleCommunityById, _>(ctx).load_many(page.items.iter().map(|m| m.community_id)).await.gql()?;
        // The memberships are of communities the viewer sees: each one is found.
        let mut found = Vec::with_capacity(page.items.len());
        let mut keys = Vec::new();
        for (i, membership) in page.items.into_iter().enumerate() {
            if let Some(community) = communities.get(&membership.community_id) {
                found.push((membership.id, community.clone()));
                keys.push(page.keys.get(i).cloned().flatten());
            }
        }
        let page = crate::service::page::Page {
            items: found,
            has_next: page.has_next,
            has_previous: page.has_previous,
            keys: if keys.iter().all(Option::is_none) { Vec::new() } else { keys },
        };
        Ok(connection::build(page, total, order, |(id, _)| *id, |(_, c)| Community::new(c)))
    }
    /// The person's annual time budget in a community: totals and entries for the person,
    /// their own organization's sponsor and managers, network administrators and
    /// auditors; totals only (`entries` null) for the community's animators; null for
    /// anyone else, and where the community is not visible to the viewer.
    async fn time_budget(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the community.")] community_id: ID,
        #[graphql(
            desc = "The calendar year in which the participation year starts (the person's organization sets the day); the current participation year when not given."
        )]
        year: Option<i32>,
    ) -> async_graphql::Result<Option<super::time::TimeBudget>> {
        super::time::time_budget(ctx, self.0.id, &community_id, year).await
    }
    /// The person's home organization.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        let Some(id) = self.0.organization_id else { return Ok(None) };
        Ok(loader::<IdLoader<OrganizationById>, _>(ctx).load_one(id).await.gql()?.map(Organization))
    }
    /// Whether the person takes part in the network or is suspended.
    async fn status(&self) -> RecordStatus {
        self.0.status.into()
    }
    /// When the person was first known to the network.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The person's identities at identity providers: shown to the person themselves and
    /// to network administrators only (null for anyone else).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn identities(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<super::sso::LinkedIdentity>>> {
        let list = crate::service::sso::identities::of_person(super::app(ctx), caller(ctx), self.0.id).await.gql()?;
        Ok(list.map(|l| l.into_iter().map(super::sso::LinkedIdentity).collect()))
    }
    /// The person's live personal access tokens (neither revoked nor expired), newest
    /// first: shown to the person themselves only (null for anyone else, network
    /// administrators included). Their secrets are never shown again.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn personal_access_tokens(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<super::access_token::PersonalAccessToken>>> {
        if caller(ctx).person_id() != Some(self.0.id) {
            return Ok(None);
        }
        Ok(Some(super::access_token::mine(ctx).await?))
    }
    /// The occurrences to come in the next 366 days that the person may see and that are
    /// not cancelled, in order of start: shown to the person themselves only (null for
    /// anyone else).
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn upcoming_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many occurrences to return: 0 to 100 (20 by default).")] first: Option<i32>,
        #[graphql(desc = "Returns the occurrences after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<Option<super::event::OccurrenceConnection>> {
        if caller(ctx).person_id() != Some(self.0.id) {
            return Ok(None);
        }
        let now = Utc::now();
        let window = (now, now + chrono::Duration::days(366));
        super::event::upcoming(ctx, window, first, after).await.map(Some)
    }
    /// Communities the person belongs to. A person sees all of their own memberships
    /// (pending requests and invitations too); others see active memberships of the
    /// communities they may see and whose members they may list.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When neither `first` nor `last` is given, a page holds 20 items. Cannot be combined with `last`; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end of the list (before `before` if given): 0 to 100. Cannot be combined with `first`; out of range is `BAD_USER_INPUT` naming `last`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the items before this cursor (the `cursor` of an edge, or `pageInfo.startCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `before`."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Membership>> {
        let viewer = &caller(ctx).viewer;
        let sees_all = viewer.as_ref().is_some_and(|a| a.person_id == self.0.id || a.network_admin);
        let args = (first, after, last, before);
        if sees_all {
            connection::children::<PersonMembershipsAll, _>(
                ctx,
                self.0.id,
                args,
                ListOrder::default(),
                |m| m.id,
                Membership,
            )
            .await
        } else {
            connection::children::<PersonMembershipsShared, _>(
                ctx,
                self.0.id,
                args,
                ListOrder::default(),
                |m| m.id,
                Membership,
            )
            .await
        }
    }
}

impl Person {
    /// Whether the viewer sees `field` of this person.
    async fn shown(&self, ctx: &Context<'_>, field: DirectoryField) -> async_graphql::Result<bool> {
        let standing: Standing =
            loader::<ProfileStandings, _>(ctx).load_one(self.0.id).await.gql()?.unwrap_or_default();
        Ok(standing.sees_field(&self.0, field.into()))
    }
}

/// What a person says they know about.
#[derive(SimpleObject)]
pub struct DeclaredExpertise {
    /// Tags (at most 20), in the person's order.
    pub tags: Vec<String>,
    /// A few words about it (null if none).
    pub text: Option<String>,
}

/// Who may see one field of a profile.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "FieldVisibilityInput")]
pub struct FieldVisibilitySetting {
    /// The field.
    pub field: DirectoryField,
    /// Who may see it.
    pub visibility: FieldVisibility,
}

/// Narrows `people`: every given filter must match (within a list, any of its values).
#[derive(InputObject, Default)]
pub struct PeopleFilterInput {
    /// Words in a name, or in a field the viewer sees (job title, profession, region,
    /// declared expertise), without regard to case; one line of at most 100 characters.
    pub text: Option<String>,
    /// People of these organizations (global ids; at most 20).
    pub organization_ids: Option<Vec<ID>>,
    /// People with one of these professions (without regard to case), visible to the
    /// viewer; at most 20.
    pub professions: Option<Vec<String>>,
    /// People of one of these regions (without regard to case), visible to the viewer; at
    /// most 20.
    pub regions: Option<Vec<String>>,
    /// People who declared one of these expertise tags (without regard to case), visible
    /// to the viewer; at most 20.
    pub expertise: Option<Vec<String>>,
    /// Active members of one of these communities (global ids; at most 20), among the
    /// communities the viewer may see and whose members they may list: any other id
    /// matches nobody.
    pub community_ids: Option<Vec<ID>>,
}

/// Reads a list of global ids of `kind` (field `field`).
fn ids_of(field: &str, kind: NodeKind, ids: Option<Vec<ID>>) -> async_graphql::Result<Option<Vec<i32>>> {
    ids.map(|ids| ids.iter().map(|id| from_global(field, kind, id)).collect::<Result<Vec<_>, _>>()).transpose().gql()
}

#[derive(Default)]
pub struct PersonQuery;

/// Queries about people.
#[Object]
impl PersonQuery {
    /// The logged-in person (`UNAUTHENTICATED` without a valid token; `FORBIDDEN` for an
    /// API client, which is no person: see `viewer`).
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Person> {
        let actor = caller(ctx).actor().gql()?;
        crate::service::api_client::ensure_person(caller(ctx), "use `me`: ask `viewer`").gql()?;
        service::find_by_id(db(ctx), actor.person_id)
            .await
            .and_then(|p| p.ok_or(ServiceError::Unauthenticated))
            .map(Person)
            .gql()
    }

    /// The directory: the network's people (neither suspended nor API clients), by id,
    /// for logged-in people only (`UNAUTHENTICATED` otherwise). A person is matched only
    /// through fields the viewer may see.
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all given filters must match. Without it, everyone.")] filter: Option<
            PeopleFilterInput,
        >,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100 (20 by default); out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Person>> {
        caller(ctx).actor().gql()?;
        let order = ListOrder::default();
        let req = connection::page_request(first, after, None, None, order).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = DirectoryFilter {
            text: filter.text,
            organization_ids: ids_of("filter.organizationIds", NodeKind::Organization, filter.organization_ids)?,
            professions: filter.professions,
            regions: filter.regions,
            expertise: filter.expertise,
            community_ids: ids_of("filter.communityIds", NodeKind::Community, filter.community_ids)?,
        };
        let (page, total) =
            directory::people(super::app(ctx), caller(ctx), &filter, &req, connection::wants_count(ctx)).await.gql()?;
        Ok(connection::build(page, total, order, |m| m.id, Person))
    }
}

/// Input of `updateMyProfile`: a field left out stays as it is; an empty text or list
/// clears it.
#[derive(InputObject)]
pub struct UpdateMyProfileInput {
    /// Job title: one line, at most 200 characters.
    pub job_title: Option<String>,
    /// Profession (nurse, social worker…): one line, at most 200 characters.
    pub profession: Option<String>,
    /// Region where one works: one line, at most 200 characters.
    pub region: Option<String>,
    /// Languages one works in: BCP 47 tags such as `fr-CA` or `en`, at most 10.
    pub languages: Option<Vec<String>>,
    /// Expertise tags: at most 20, each one line of 1 to 50 characters without a comma
    /// (duplicates, ignoring case, are dropped). Replaces the tags declared before.
    pub expertise: Option<Vec<String>>,
    /// A few words about one's expertise: line breaks allowed, at most 2,000 characters.
    pub expertise_text: Option<String>,
    /// Who may see each field named (each at most once; the others keep theirs).
    pub field_visibility: Option<Vec<FieldVisibilitySetting>>,
}

/// Result of `updateMyProfile`.
#[derive(SimpleObject)]
pub struct UpdateMyProfilePayload {
    /// The person as now shown to themselves.
    pub person: Person,
}

#[derive(Default)]
pub struct PersonMutation;

/// Changes to one's own profile.
#[Object]
impl PersonMutation {
    /// Changes the viewer's own profile fields and who may see them (people only: an API
    /// client is `FORBIDDEN`).
    async fn update_my_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to change.")] input: UpdateMyProfileInput,
    ) -> async_graphql::Result<UpdateMyProfilePayload> {
        let update = ProfileUpdate {
            job_title: input.job_title,
            profession: input.profession,
            region: input.region,
            languages: input.languages,
            expertise: input.expertise,
            expertise_text: input.expertise_text,
            visibility: input
                .field_visibility
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s.field.into(), s.visibility.into()))
                .collect(),
        };
        let person = directory::update_my_profile(super::app(ctx), caller(ctx), update).await.gql()?;
        Ok(UpdateMyProfilePayload { person: Person(person) })
    }
}
