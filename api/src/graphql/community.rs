//! Communities of practice in the schema, with their members, participating
//! organizations and subgroups.

use crate::i18n::Message;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{community as db, community_organization, membership, subgroup};
use tokio::sync::OnceCell;

use policy::{Action, Role};

use super::{
    GqlResult, app, caller,
    connection::{self, Conn},
    db,
    discussion::{Post, Report, Thread},
    enums::{
        CommunityRole, CreationMode, InteractionMode, MembershipPolicy, MembershipStatus, ParticipationStatus, Stage,
        SubgroupKind, SubgroupVisibility, Visibility,
    },
    ids::{NodeKind, from_global, to_global},
    loaders::{
        CommunityMembers, CommunityOrganizations, CommunitySubgroups, CommunityThreads, IdLoader, OrganizationById,
        PersonById, PostById, PostReactions, ReadAhead, ReadAheadRows, ReadAheadValues, ThreadPosts,
        ThreadUnreadCounts, ViewerTiesLoader, VisibleCommunityById, column_names, loader,
    },
    order::{CommunityOrder, MemberOrder, PostOrder, ThreadOrder, list_order},
    organization::Organization,
    person::Person,
    translation::{self, Text, Translation, TranslationInput},
};
use crate::{
    error::ServiceError,
    service::{
        access,
        community::{
            self as service, CommunityChanges, CommunityFilter, Eligibility as EligibilityRules, NewCommunity, Ties,
        },
        discussion::{ThreadList, ThreadsAhead},
        page::ListOrder,
        translation::Owner,
    },
};

/// The community a relation leads to, when the viewer may see it: every relation to a
/// community (memberships, participations, subgroups, threads) resolves through here.
pub async fn visible_community(ctx: &Context<'_>, id: i32) -> async_graphql::Result<Option<Community>> {
    Ok(loader::<VisibleCommunityById, _>(ctx).load_one(id).await.gql()?.map(Community::new))
}

/// A community in the schema, with the viewer's ties to it once known: read with the
/// community when it was looked up alone, or batched across communities on first use.
#[derive(Clone)]
pub struct Community(pub db::Model, Arc<OnceCell<Ties>>);

impl Community {
    /// A community whose viewer ties are loaded when first needed.
    pub fn new(model: db::Model) -> Self {
        Self(model, Arc::default())
    }

    /// A community read together with the viewer's ties.
    pub fn with_ties(model: db::Model, ties: Ties) -> Self {
        Self(model, Arc::new(OnceCell::new_with(Some(ties))))
    }

    /// The viewer's membership and sponsorship here.
    async fn ties(&self, ctx: &Context<'_>) -> async_graphql::Result<&Ties> {
        self.1
            .get_or_try_init(|| async {
                if caller(ctx).viewer.is_none() {
                    return Ok(Ties::default());
                }
                Ok(loader::<ViewerTiesLoader, _>(ctx).load_one(self.0.id).await.gql()?.unwrap_or_default())
            })
            .await
    }

    async fn own_membership(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<membership::Model>> {
        Ok(self.ties(ctx).await?.membership.clone())
    }

    /// The viewer's roles here.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Role>> {
        Ok(self.ties(ctx).await?.roles(caller(ctx)))
    }

    async fn ensure(&self, ctx: &Context<'_>, action: Action) -> async_graphql::Result<()> {
        let roles = self.roles(ctx).await?;
        access::ensure(&app(ctx).auth, &roles, &self.0, action).gql()
    }

    /// The columns the fields selected under `field` (a community) read, by
    /// [`Self::columns_for`]; `None` (every column) as soon as one is not listed.
    pub fn columns_of(field: &async_graphql::SelectionField<'_>) -> Option<Vec<db::Column>> {
        let mut columns: Vec<db::Column> = Vec::new();
        for used in field.selection_set() {
            for column in Self::columns_for(used.name())? {
                if !columns.iter().any(|c| sea_orm::IdenStatic::as_str(c) == sea_orm::IdenStatic::as_str(column)) {
                    columns.push(*column);
                }
            }
        }
        Some(columns)
    }

    /// The columns of its row each field of `Community` reads beyond those a page of
    /// communities always reads (id, slug and the attributes decisions test: see
    /// [`service::ALWAYS_READ`]); `None` for a field not listed (the whole row is then
    /// read). A field added to `Community` must be added here (a test checks every
    /// field is).
    pub fn columns_for(field: &str) -> Option<&'static [db::Column]> {
        use db::Column as C;
        Some(match field {
            "id" | "slug" | "visibility" | "membershipPolicy" | "archived" | "__typename" => &[],
            // By id, or from the viewer's ties and the attributes.
            "viewerMembership"
            | "viewerCan"
            | "organizations"
            | "members"
            | "subgroups"
            | "threads"
            | "unansweredQuestions"
            | "pinnedThreads"
            | "bulletinBoard"
            | "moderationQueue"
            | "unreadThreads" => &[],
            // Events and the library are read by the community's id.
            "events" | "library" => &[],
            "calendarFeedUrl" => &[],
            "name" => &[C::Name, C::TranslatedInto],
            "description" => &[C::Description, C::TranslatedInto],
            "translations" => &[C::TranslatedInto],
            "fieldOfKnowledge" => &[C::FieldOfKnowledge],
            "creationMode" => &[C::CreationMode],
            "interactionMode" => &[C::InteractionMode],
            "stage" => &[C::Stage],
            "eligibility" => &[C::Eligibility],
            "sponsorApprovalRequired" => &[C::SponsorApprovalRequired],
            "openToAllOrganizations" => &[C::OpenToAllOrganizations],
            "createdAt" => &[C::CreatedAt],
            "updatedAt" => &[C::UpdatedAt],
            _ => return None,
        })
    }
}

/// A community of practice (*communauté de pratique*): people of one or several
/// organizations who share a field of knowledge and learn from one another.
#[Object]
impl Community {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Community, self.0.id)
    }
    /// Short unique name used in URLs.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name (1 to 200 characters), in the request's language (`Accept-Language`)
    /// when the community has a translation in it, its own name otherwise.
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        translation::localized(ctx, Text::Name, Owner::Community, self.0.id, &self.0.translated_into, &self.0.name)
            .await
    }
    /// What the community is about, in plain text (line breaks kept; may be empty; at most
    /// 10,000 characters), in the request's language when a translation gives one, its
    /// own description otherwise.
    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        translation::localized(
            ctx,
            Text::Description,
            Owner::Community,
            self.0.id,
            &self.0.translated_into,
            &self.0.description,
        )
        .await
    }
    /// Its name and description in each language it was translated into (French,
    /// English), by language.
    async fn translations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Translation>> {
        translation::list(ctx, Owner::Community, self.0.id, &self.0.translated_into).await
    }
    /// The shared field of knowledge (*domaine*) that is the community's reason to exist.
    async fn field_of_knowledge(&self) -> Option<&str> {
        self.0.field_of_knowledge.as_deref()
    }
    /// Who can see that the community exists.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// How people join: at once, on approved request, or by invitation.
    async fn membership_policy(&self) -> MembershipPolicy {
        self.0.membership_policy.into()
    }
    /// Whether the community was born of its members' initiative or created by an organization.
    async fn creation_mode(&self) -> CreationMode {
        self.0.creation_mode.into()
    }
    /// How members meet: online, in person, or both.
    async fn interaction_mode(&self) -> InteractionMode {
        self.0.interaction_mode.into()
    }
    /// The community's development stage.
    async fn stage(&self) -> Stage {
        self.0.stage.into()
    }
    /// An archived community is read-only.
    async fn archived(&self) -> bool {
        self.0.archived
    }
    /// Who may join (for closed communities).
    async fn eligibility(&self) -> Eligibility {
        Eligibility(EligibilityRules::from_json(&self.0.eligibility))
    }
    /// Whether joining also needs the approval of the sponsor of the person's organization.
    async fn sponsor_approval_required(&self) -> bool {
        self.0.sponsor_approval_required
    }
    /// Whether people of any organization of the network may join, not only those of
    /// participating organizations.
    async fn open_to_all_organizations(&self) -> bool {
        self.0.open_to_all_organizations
    }
    /// When the community was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its profile or rules last changed (creation, `updateCommunity`, `archiveCommunity`).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The viewer's own membership (any status), if any.
    async fn viewer_membership(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Membership>> {
        Ok(self.own_membership(ctx).await?.map(Membership))
    }
    /// What the viewer may do here, decided by the same policy as the operations
    /// themselves, so front ends never duplicate the rules.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<CommunityViewerCan> {
        let roles = self.roles(ctx).await?;
        let own = self.own_membership(ctx).await?;
        let auth = &app(ctx).auth;
        let can = |action| access::allowed(auth, &roles, &self.0, action);
        let outsider = own.as_ref().is_none_or(|m| {
            !m.banned
                && !matches!(
                    m.status,
                    entity::enums::MembershipStatus::Active
                        | entity::enums::MembershipStatus::Pending
                        | entity::enums::MembershipStatus::Invited
                )
        });
        Ok(CommunityViewerCan {
            read: can(Action::Read),
            join: outsider && can(Action::Join),
            request_to_join: outsider && can(Action::Request),
            respond_to_invitation: can(Action::RespondInvitation),
            post: can(Action::Post),
            moderate: can(Action::Moderate),
            invite: can(Action::Invite),
            approve: can(Action::Approve) || can(Action::SponsorApprove),
            manage_members: can(Action::ManageMembers),
            assign_roles: can(Action::AssignRoles),
            create_subgroup: can(Action::CreateSubgroup),
            update: can(Action::Update),
            archive: can(Action::Archive),
            manage_organizations: can(Action::ManageOrganizations),
            manage_policy: can(Action::ManagePolicy),
        })
    }
    /// Participating organizations, each with the sponsor who backs the community there.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn organizations(
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
    ) -> async_graphql::Result<Conn<CommunityOrganization>> {
        connection::children::<CommunityOrganizations, _>(
            ctx,
            self.0.id,
            (first, after, last, before),
            ListOrder::default(),
            |m| m.id,
            CommunityOrganization,
        )
        .await
    }
    /// Active members (logged-in people with a tie to the community, or any logged-in
    /// person for a PUBLIC or NETWORK community).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How the list is sorted; by default oldest membership first (by id). A cursor serves only the order it was made in: with another `orderBy` (or none) it is `BAD_USER_INPUT` naming `after` or `before`."
        )]
        order_by: Option<MemberOrder>,
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
        if caller(ctx).viewer.is_none() {
            return Err(ServiceError::Unauthenticated).gql();
        }
        // View first: a community the viewer may not see is not there at all.
        if !access::allowed(&app(ctx).auth, &self.roles(ctx).await?, &self.0, Action::View) {
            return Err(ServiceError::not_found("community")).gql();
        }
        self.ensure(ctx, Action::ListMembers).await?;
        connection::children::<CommunityMembers, _>(
            ctx,
            self.0.id,
            (first, after, last, before),
            list_order(order_by.as_ref()),
            |m| m.id,
            Membership,
        )
        .await
    }
    /// Working and interest groups (members of the community only).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn subgroups(
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
    ) -> async_graphql::Result<Conn<Subgroup>> {
        self.ensure(ctx, Action::Read).await?;
        connection::children::<CommunitySubgroups, _>(
            ctx,
            self.0.id,
            (first, after, last, before),
            ListOrder::default(),
            |m| m.id,
            Subgroup,
        )
        .await
    }
    /// The community's library: its documents and wiki pages together, as the viewer
    /// may read them (its readers see every document and page; people who may only see
    /// the community's profile see the documents published to the network or the public,
    /// and no page), with their count and facets over the whole filtered list.
    #[graphql(
        complexity = "crate::graphql::library_items::LIBRARY_COST.saturating_add(crate::graphql::connection::cost(first, None, child_complexity))"
    )]
    async fn library(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all given filters must match.")] filter: Option<
            super::library_items::LibraryFilterInput,
        >,
        #[graphql(
            desc = "How the list is sorted; by default the last changed first (`{ field: UPDATED_AT, direction: DESC }`). A cursor serves only the order it was made in: with another `orderBy` it is `BAD_USER_INPUT` naming `after`."
        )]
        order_by: Option<super::library_items::LibraryOrder>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When not given, a page holds 20 items; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<super::library_items::LibraryConnection> {
        super::library_items::library(ctx, self.0.id, filter, order_by, first, after).await
    }
    /// Discussion threads, oldest first (members of the community only).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn threads(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How the list is sorted; by default oldest first (by id). A cursor serves only the order it was made in: with another `orderBy` (or none) it is `BAD_USER_INPUT` naming `after` or `before`."
        )]
        order_by: Option<ThreadOrder>,
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
    ) -> async_graphql::Result<Conn<Thread>> {
        self.ensure(ctx, Action::Read).await?;
        connection::children::<CommunityThreads, _>(
            ctx,
            self.0.id,
            (first, after, last, before),
            list_order(order_by.as_ref()),
            |m| m.id,
            Thread,
        )
        .await
    }
    /// Occurrences of the community's events that overlap the window `[from, to)`, in
    /// order of start: those the viewer may see (its members see them all; others see
    /// those opened to the network or the public). Cancelled occurrences are included,
    /// marked.
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the window (1970 or later).")] from: chrono::DateTime<chrono::Utc>,
        #[graphql(
            desc = "End of the window (excluded): after `from`, at most 731 days later, between 1970 and 2200, and holding at most 500 events the viewer may see with an occurrence in it, at most 5,000 looked at (`BAD_USER_INPUT` naming `to`: ask for a shorter window)."
        )]
        to: chrono::DateTime<chrono::Utc>,
        #[graphql(desc = "How many occurrences to return: 0 to 100 (20 by default).")] first: Option<i32>,
        #[graphql(desc = "Returns the occurrences after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<super::event::OccurrenceConnection> {
        super::event::occurrences(ctx, Some(self.0.id), (from, to), first, after).await
    }
    /// The address of the community's public calendar feed (iCalendar: its PUBLIC-audience
    /// events), for communities anyone may see; null otherwise.
    async fn calendar_feed_url(&self, ctx: &Context<'_>) -> Option<String> {
        crate::service::calendar::community_feed_url(app(ctx), &self.0)
    }
    /// Questions nobody's answer was accepted for yet, asked at least `olderThanHours`
    /// ago, oldest first (people who may read the community's discussions; what
    /// animators watch).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn unanswered_questions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only questions asked at least this many hours ago: 0 (the default, every unanswered question) to 8760. Out of range is `BAD_USER_INPUT` naming `olderThanHours`.",
            default = 0
        )]
        older_than_hours: i32,
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
    ) -> async_graphql::Result<Conn<Thread>> {
        let older_than_hours = u32::try_from(older_than_hours)
            .ok()
            .filter(|h| *h <= MAX_UNANSWERED_HOURS)
            .ok_or_else(|| {
                ServiceError::bad_input("olderThanHours", Message::new("between").arg("min", 0).arg("max", 8760))
            })
            .gql()?;
        self.thread_list(ctx, ThreadList::Unanswered { older_than_hours }, (first, after, last, before)).await
    }
    /// Threads a moderator pinned, announcements among them, oldest first (people who may
    /// read the community's discussions); `threads` keeps its order.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn pinned_threads(
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
    ) -> async_graphql::Result<Conn<Thread>> {
        self.thread_list(ctx, ThreadList::Pinned, (first, after, last, before)).await
    }
    /// Open reports of replies, oldest first: for the community's moderators (the policy's
    /// `moderate` action; `FORBIDDEN` for anyone else who may see the community).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn moderation_queue(
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
    ) -> async_graphql::Result<Conn<Report>> {
        let order = ListOrder::default();
        let req = connection::page_request(first, after, last, before, order).gql()?;
        self.ensure(ctx, Action::Moderate).await?;
        let (page, total) = crate::service::discussion::moderation_queue(
            app(ctx),
            caller(ctx),
            self.0.id,
            &req,
            connection::wants_count(ctx),
        )
        .await
        .gql()?;
        Ok(connection::build(page, total, order, |m| m.id, Report))
    }
    /// Threads holding something new for the viewer, oldest first: a reply past where
    /// they marked it read (`markThreadRead`), or a thread they never opened (people who
    /// may read the community's discussions; `UNAUTHENTICATED` for anonymous viewers).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn unread_threads(
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
    ) -> async_graphql::Result<Conn<Thread>> {
        self.unread_thread_list(ctx, (first, after, last, before)).await
    }
    /// The bulletin board: pinned announcements that have not expired, oldest first
    /// (people who may read the community's discussions).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn bulletin_board(
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
    ) -> async_graphql::Result<Conn<Thread>> {
        self.thread_list(ctx, ThreadList::BulletinBoard, (first, after, last, before)).await
    }
}

impl Community {
    /// A page of the threads holding something new for the viewer.
    async fn unread_thread_list(
        &self,
        ctx: &Context<'_>,
        (first, after, last, before): (Option<i32>, Option<String>, Option<i32>, Option<String>),
    ) -> async_graphql::Result<Conn<Thread>> {
        let order = ListOrder::default();
        let req = connection::page_request(first, after, last, before, order).gql()?;
        self.ensure(ctx, Action::Read).await?;
        let (page, total) = crate::service::thread_reading::unread_threads(
            app(ctx),
            caller(ctx),
            self.0.id,
            &req,
            connection::wants_count(ctx),
        )
        .await
        .gql()?;
        Ok(connection::build(page, total, order, |m| m.id, Thread))
    }

    /// A page of one of the community's lists of threads, for people who may read its
    /// discussions.
    async fn thread_list(
        &self,
        ctx: &Context<'_>,
        list: ThreadList,
        (first, after, last, before): (Option<i32>, Option<String>, Option<i32>, Option<String>),
    ) -> async_graphql::Result<Conn<Thread>> {
        let order = ListOrder::default();
        let req = connection::page_request(first, after, last, before, order).gql()?;
        self.ensure(ctx, Action::Read).await?;
        let (page, total) = crate::service::discussion::community_threads(
            app(ctx),
            caller(ctx),
            self.0.id,
            list,
            &req,
            connection::wants_count(ctx),
        )
        .await
        .gql()?;
        Ok(connection::build(page, total, order, |m| m.id, Thread))
    }
}

/// The longest `olderThanHours` of `unansweredQuestions` (a year).
const MAX_UNANSWERED_HOURS: u32 = 8760;

/// What the viewer may do in a community.
#[derive(SimpleObject)]
pub struct CommunityViewerCan {
    /// Read its discussions.
    pub read: bool,
    /// Join at once (open communities).
    pub join: bool,
    /// Ask to join (communities that approve requests).
    pub request_to_join: bool,
    /// Accept or decline an invitation.
    pub respond_to_invitation: bool,
    /// Start threads and reply.
    pub post: bool,
    /// Moderate discussions.
    pub moderate: bool,
    /// Invite people.
    pub invite: bool,
    /// Approve or refuse requests (as animator, or as the sponsor of an organization).
    pub approve: bool,
    /// Remove and ban members.
    pub manage_members: bool,
    /// Change members' roles.
    pub assign_roles: bool,
    /// Create subgroups.
    pub create_subgroup: bool,
    /// Change its profile and rules.
    pub update: bool,
    /// Archive or restore it.
    pub archive: bool,
    /// Add or withdraw participating organizations.
    pub manage_organizations: bool,
    /// Override the network's rules for this community.
    pub manage_policy: bool,
}

pub struct Eligibility(EligibilityRules);

/// Eligibility criteria of a closed community; an empty list admits anyone on that
/// criterion.
#[Object]
impl Eligibility {
    /// Professions admitted (compared with the person's profession, ignoring ASCII case).
    async fn professions(&self) -> &[String] {
        &self.0.professions
    }
    /// Job titles admitted (compared with the person's job title, ignoring ASCII case).
    async fn job_titles(&self) -> &[String] {
        &self.0.job_titles
    }
    /// Organizations whose people may join.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn organizations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        let found = loader::<IdLoader<OrganizationById>, _>(ctx)
            .load_many(self.0.organization_ids.iter().copied())
            .await
            .gql()?;
        Ok(self.0.organization_ids.iter().filter_map(|id| found.get(id).cloned().map(Organization)).collect())
    }
    /// Sectors admitted (compared with the sector of the person's organization, ignoring
    /// ASCII case).
    async fn sectors(&self) -> &[String] {
        &self.0.sectors
    }
    /// Regions admitted (compared with the region of the person's organization, ignoring
    /// ASCII case).
    async fn regions(&self) -> &[String] {
        &self.0.regions
    }
}

#[derive(Clone)]
pub struct CommunityOrganization(pub community_organization::Model);

/// An organization taking part in a community, and its sponsor there.
#[Object]
impl CommunityOrganization {
    /// The participating organization.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        loader::<IdLoader<OrganizationById>, _>(ctx)
            .load_one(self.0.organization_id)
            .await
            .gql()?
            .map(Organization)
            .ok_or_else(|| ServiceError::not_found("organization"))
            .gql()
    }
    /// The community, when the viewer may see it (null otherwise: after leaving, removal
    /// or a ban, a secret community is out of sight).
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        visible_community(ctx, self.0.community_id).await
    }
    /// The manager (*parrain*) who backs the community for this organization.
    async fn sponsor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.sponsor_id else { return Ok(None) };
        Ok(loader::<PersonById, _>(ctx).load_one(id).await.gql()?.map(Person))
    }
    /// Whether the organization still takes part.
    async fn status(&self) -> ParticipationStatus {
        self.0.status.into()
    }
    /// When the organization joined the community.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Clone)]
pub struct Membership(pub membership::Model);

/// A person's membership of a community.
#[Object]
impl Membership {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Membership, self.0.id)
    }
    /// The community, when the viewer may see it (null otherwise: after leaving, removal
    /// or a ban, a secret community is out of sight).
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        visible_community(ctx, self.0.community_id).await
    }
    /// The member (or the person invited, or asking to join).
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Person> {
        loader::<PersonById, _>(ctx)
            .load_one(self.0.person_id)
            .await
            .gql()?
            .map(Person)
            .ok_or_else(|| ServiceError::not_found("person"))
            .gql()
    }
    /// Roles held in the community.
    async fn roles(&self) -> Vec<CommunityRole> {
        self.0.role_set().iter().map(Into::into).collect()
    }
    /// Where the membership stands.
    async fn status(&self) -> MembershipStatus {
        self.0.status.into()
    }
    /// Who last decided on this membership (approved, invited, removed…).
    async fn decided_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.decided_by else { return Ok(None) };
        Ok(loader::<PersonById, _>(ctx).load_one(id).await.gql()?.map(Person))
    }
    /// Who gave the animator's key of the approval (an inviter, or the animator who
    /// approved the request).
    async fn animator_key_given_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.animator_approved_by else { return Ok(None) };
        Ok(loader::<PersonById, _>(ctx).load_one(id).await.gql()?.map(Person))
    }
    /// Who gave the sponsor's key of the approval; never the same person as the
    /// animator's key.
    async fn sponsor_key_given_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.sponsor_approved_by else { return Ok(None) };
        Ok(loader::<PersonById, _>(ctx).load_one(id).await.gql()?.map(Person))
    }
    /// When it was last decided (joined, approved, refused, removed…); null while pending
    /// or invited.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// Why it was decided (refusal, removal…), when a reason was given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Whether the person was banned (they cannot ask to join again).
    async fn banned(&self) -> bool {
        self.0.banned
    }
    /// Approvals still needed before the membership becomes active.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn pending_approvals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::membership::ApprovalKey>> {
        let community = loader::<VisibleCommunityById, _>(ctx).load_one(self.0.community_id).await.gql()?;
        let required = community.is_some_and(|c| c.sponsor_approval_required);
        Ok(crate::service::membership::pending_approvals(&self.0, required).into_iter().map(Into::into).collect())
    }
    /// When the person first joined, asked to join or was invited.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Clone)]
pub struct Subgroup(pub subgroup::Model);

/// A working or interest group inside a community.
#[Object]
impl Subgroup {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Subgroup, self.0.id)
    }
    /// Display name (1 to 200 characters), in the request's language (`Accept-Language`)
    /// when the subgroup has a translation in it, its own name otherwise.
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        translation::localized(ctx, Text::Name, Owner::Subgroup, self.0.id, &self.0.translated_into, &self.0.name).await
    }
    /// What the subgroup is for, in plain text (may be empty), in the request's language
    /// when a translation gives one, its own description otherwise.
    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        translation::localized(
            ctx,
            Text::Description,
            Owner::Subgroup,
            self.0.id,
            &self.0.translated_into,
            &self.0.description,
        )
        .await
    }
    /// Its name and description in each language it was translated into (French,
    /// English), by language.
    async fn translations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Translation>> {
        translation::list(ctx, Owner::Subgroup, self.0.id, &self.0.translated_into).await
    }
    /// Working group or interest group.
    async fn kind(&self) -> SubgroupKind {
        self.0.kind.into()
    }
    /// Who can see the subgroup and its threads.
    async fn visibility(&self) -> SubgroupVisibility {
        self.0.visibility.into()
    }
    /// The community, when the viewer may see it (null otherwise: after leaving, removal
    /// or a ban, a secret community is out of sight).
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        visible_community(ctx, self.0.community_id).await
    }
    /// What the viewer may do in this subgroup.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<SubgroupViewerCan> {
        let (read, post, manage) =
            access::subgroup_permissions(&app(ctx).auth, db(ctx), caller(ctx), self.0.id).await.gql()?;
        Ok(SubgroupViewerCan { read, post, manage })
    }
}

/// What the viewer may do in a subgroup.
#[derive(SimpleObject)]
pub struct SubgroupViewerCan {
    /// Read its threads.
    pub read: bool,
    /// Start threads and reply in it.
    pub post: bool,
    /// Add members.
    pub manage: bool,
}

/// Filters of `communities`; all given filters must match.
#[derive(InputObject, Default)]
pub struct CommunityFilterInput {
    /// Words to find in the name (its own or a translation's, so either language finds
    /// it) or the field of knowledge (case-insensitive).
    pub search: Option<String>,
    /// Only communities with one of these visibilities.
    pub visibility: Option<Vec<Visibility>>,
    /// Only communities with one of these membership policies.
    pub membership_policy: Option<Vec<MembershipPolicy>>,
    /// Only communities at one of these stages.
    pub stage: Option<Vec<Stage>>,
    /// Only communities this organization takes part in.
    pub organization_id: Option<ID>,
    /// Only communities the viewer is an active member of.
    #[graphql(default)]
    pub member_only: bool,
    /// Include archived communities.
    #[graphql(default)]
    pub include_archived: bool,
}

#[derive(Default)]
pub struct CommunityQuery;

/// Queries about communities.
#[Object]
impl CommunityQuery {
    /// Communities the viewer may see (secret ones only to their members), oldest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a list field's arguments: its filter, orderBy and the four of Relay"
    )]
    async fn communities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How the list is sorted; by default oldest first (by id). A cursor serves only the order it was made in: with another `orderBy` (or none) it is `BAD_USER_INPUT` naming `after` or `before`."
        )]
        order_by: Option<CommunityOrder>,
        #[graphql(
            desc = "Narrows the list; all given filters must match. Without it, every community the viewer may see that is not archived."
        )]
        filter: Option<CommunityFilterInput>,
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
    ) -> async_graphql::Result<Conn<Community>> {
        let order = list_order(order_by.as_ref());
        let req = connection::page_request(first, after, last, before, order).gql()?;
        let filter = filter.unwrap_or_default();
        let organization_id = filter
            .organization_id
            .as_ref()
            .map(|id| from_global("filter.organizationId", NodeKind::Organization, id))
            .transpose()
            .gql()?;
        let filter = CommunityFilter {
            search: filter.search,
            visibility: filter.visibility.map(|v| v.into_iter().map(Into::into).collect()),
            membership_policy: filter.membership_policy.map(|v| v.into_iter().map(Into::into).collect()),
            stage: filter.stage.map(|v| v.into_iter().map(Into::into).collect()),
            organization_id,
            member_only: filter.member_only,
            include_archived: filter.include_archived,
        };
        let columns = connection::node_columns(&ctx.field(), Community::columns_for);
        let (page, total) =
            service::list(app(ctx), caller(ctx), &filter, &req, connection::wants_count(ctx), &columns).await.gql()?;
        Ok(connection::build(page, total, order, |m| m.id, Community::new))
    }

    /// The community with this slug (`NOT_FOUND` if none, or if it is secret to the viewer).
    async fn community(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community's slug (as in its URL).")] slug: String,
    ) -> async_graphql::Result<Community> {
        let ahead = threads_ahead(ctx);
        let columns = Community::columns_of(&ctx.field());
        let (community, ties, read_ahead) = service::find_reading_ahead(
            app(ctx),
            db(ctx),
            caller(ctx),
            service::Key::Slug(&slug),
            ahead.as_ref(),
            columns.as_deref(),
        )
        .await
        .and_then(|c| c.ok_or(ServiceError::not_found("community")))
        .gql()?;
        if let (Some(ahead), Some(pages)) = (ahead, read_ahead) {
            let threads = ctx.data_unchecked::<ReadAhead<CommunityThreads>>();
            threads.put(community.id, ahead.threads, column_names(&ahead.thread_columns), pages.threads);
            if let Some(posts_req) = ahead.posts {
                let posts = ctx.data_unchecked::<ReadAhead<ThreadPosts>>();
                let columns = column_names(&ahead.post_columns);
                for (thread_id, page) in pages.posts {
                    posts.put(thread_id, posts_req.clone(), columns.clone(), page);
                }
            }
            ctx.data_unchecked::<ReadAheadValues<ThreadUnreadCounts>>().put(pages.unread);
            ctx.data_unchecked::<ReadAheadValues<PostReactions>>().put(pages.reactions);
            if let Some(columns) = &ahead.accepted {
                ctx.data_unchecked::<ReadAheadRows<PostById>>().put(pages.accepted, &column_names(columns));
            }
        }
        Ok(Community::with_ties(community, ties))
    }
}

/// The threads page (and the posts page under each thread) the query asks for under the
/// community being resolved, when it asks for exactly one of each, with each thread's
/// `unreadCount` and `acceptedAnswer` and each post's `reactions` when asked: read with
/// the community in one statement instead of one statement per level and per loader.
fn threads_ahead(ctx: &Context<'_>) -> Option<ThreadsAhead> {
    let field = ctx.field();
    let mut threads = field.selection_set().filter(|f| f.name() == "threads");
    let (Some(threads), None) = (threads.next(), threads.next()) else { return None };
    let posts = connection::only_node_field(&threads, "posts");
    Some(ThreadsAhead {
        threads: connection::page_request_of::<ThreadOrder>(&threads)?,
        thread_columns: connection::node_columns(&threads, Thread::columns_for),
        unread: connection::only_node_field(&threads, "unreadCount").is_some(),
        posts: posts.as_ref().and_then(connection::page_request_of::<PostOrder>),
        post_columns: posts
            .as_ref()
            .map(|posts| connection::node_columns(posts, Post::columns_for))
            .unwrap_or_default(),
        reactions: posts.is_some_and(|posts| connection::only_node_field(&posts, "reactions").is_some()),
        accepted: connection::only_node_field(&threads, "acceptedAnswer")
            .and_then(|accepted| connection::object_columns(&accepted, Post::columns_for))
            .map(|mut columns| {
                columns.insert(0, entity::post::Column::Id);
                columns
            }),
    })
}

/// Eligibility criteria of a closed community; an empty list admits anyone on that
/// criterion.
#[derive(InputObject, Default)]
pub struct EligibilityInput {
    /// Professions admitted: at most 100, each one line of 1 to 200 characters; matched
    /// with the person's profession ignoring ASCII case. Empty (the default) admits any.
    #[graphql(default)]
    pub professions: Vec<String>,
    /// Job titles admitted: at most 100, each one line of 1 to 200 characters; matched
    /// with the person's job title ignoring ASCII case. Empty (the default) admits any.
    #[graphql(default)]
    pub job_titles: Vec<String>,
    /// Global ids of organizations whose people may join (at most 100, each must exist).
    /// Empty (the default) admits any.
    #[graphql(default)]
    pub organization_ids: Vec<ID>,
    /// Sectors admitted: at most 100, each one line of 1 to 200 characters; matched with
    /// the sector of the person's organization ignoring ASCII case. Empty (the default)
    /// admits any.
    #[graphql(default)]
    pub sectors: Vec<String>,
    /// Regions admitted: at most 100, each one line of 1 to 200 characters; matched with
    /// the region of the person's organization ignoring ASCII case. Empty (the default)
    /// admits any.
    #[graphql(default)]
    pub regions: Vec<String>,
}

impl EligibilityInput {
    fn into_rules(self) -> Result<EligibilityRules, ServiceError> {
        let organization_ids = self
            .organization_ids
            .iter()
            .map(|id| from_global("eligibility.organizationIds", NodeKind::Organization, id))
            .collect::<Result<_, _>>()?;
        Ok(EligibilityRules {
            professions: self.professions,
            job_titles: self.job_titles,
            organization_ids,
            sectors: self.sectors,
            regions: self.regions,
        })
    }
}

/// Input of `createCommunity`.
#[derive(InputObject)]
pub struct CreateCommunityInput {
    /// 2 to 64 characters of a-z, 0-9 and inner hyphens; unique (`CONFLICT` if taken).
    pub slug: String,
    /// Display name: one line, 1 to 200 characters once trimmed.
    pub name: String,
    /// What the community is about: plain text, line breaks allowed, at most 10,000
    /// characters (empty by default).
    #[graphql(default)]
    pub description: String,
    /// The shared field of knowledge: one line, at most 200 characters; blank means none.
    pub field_of_knowledge: Option<String>,
    /// Who can see it exists (`NETWORK` by default).
    #[graphql(default_with = "Visibility::Network")]
    pub visibility: Visibility,
    /// How people join (`OPEN` by default).
    #[graphql(default_with = "MembershipPolicy::Open")]
    pub membership_policy: MembershipPolicy,
    /// How it came to be (`SPONTANEOUS` by default).
    #[graphql(default_with = "CreationMode::Spontaneous")]
    pub creation_mode: CreationMode,
    /// How members meet (`VIRTUAL` by default).
    #[graphql(default_with = "InteractionMode::Virtual")]
    pub interaction_mode: InteractionMode,
    /// Development stage (`POTENTIAL` by default).
    #[graphql(default_with = "Stage::Potential")]
    pub stage: Stage,
    /// Who may join; omitted, anyone may (subject to `openToAllOrganizations`).
    pub eligibility: Option<EligibilityInput>,
    /// Whether a request to join also needs the approval of the sponsor of the person's
    /// organization (`false` by default).
    #[graphql(default)]
    pub sponsor_approval_required: bool,
    /// Whether people of any organization may join, not only those of participating
    /// organizations (`true` by default).
    #[graphql(default = true)]
    pub open_to_all_organizations: bool,
    /// Its name and description in other languages (French, English), each language at
    /// most once; none by default.
    #[graphql(default)]
    pub translations: Vec<TranslationInput>,
}

/// Result of `createCommunity`.
#[derive(SimpleObject)]
pub struct CreateCommunityPayload {
    /// The new community.
    pub community: Community,
}

/// Input of `updateCommunity`: omitted fields are left as they are.
#[derive(InputObject)]
pub struct UpdateCommunityInput {
    /// Global id of the community.
    pub id: ID,
    /// New display name: one line, 1 to 200 characters once trimmed.
    pub name: Option<String>,
    /// New description: plain text, line breaks allowed, at most 10,000 characters.
    pub description: Option<String>,
    /// New field of knowledge (at most 200 characters); an empty string clears it.
    pub field_of_knowledge: Option<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New membership policy.
    pub membership_policy: Option<MembershipPolicy>,
    /// New creation mode.
    pub creation_mode: Option<CreationMode>,
    /// New interaction mode.
    pub interaction_mode: Option<InteractionMode>,
    /// New development stage.
    pub stage: Option<Stage>,
    /// New eligibility criteria: replaces all of them (lists omitted here become empty).
    pub eligibility: Option<EligibilityInput>,
    /// Whether requests to join also need the sponsor's approval.
    pub sponsor_approval_required: Option<bool>,
    /// Whether people of any organization may join.
    pub open_to_all_organizations: Option<bool>,
    /// Its translations: replaces them all with the list given (an empty list removes
    /// them all); omitted, they are left as they are.
    pub translations: Option<Vec<TranslationInput>>,
}

/// Result of `updateCommunity`.
#[derive(SimpleObject)]
pub struct UpdateCommunityPayload {
    /// The community as changed.
    pub community: Community,
}

/// Input of `archiveCommunity`.
#[derive(InputObject)]
pub struct ArchiveCommunityInput {
    /// Global id of the community.
    pub id: ID,
    /// `false` restores an archived community.
    #[graphql(default = true)]
    pub archived: bool,
}

/// Result of `archiveCommunity`.
#[derive(SimpleObject)]
pub struct ArchiveCommunityPayload {
    /// The community, archived or restored.
    pub community: Community,
}

#[derive(Default)]
pub struct CommunityMutation;

/// Mutations on communities.
#[Object]
impl CommunityMutation {
    /// Creates a community; the caller becomes its founder and animator.
    async fn create_community(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new community's profile and rules.")] input: CreateCommunityInput,
    ) -> async_graphql::Result<CreateCommunityPayload> {
        let eligibility = input.eligibility.unwrap_or_default().into_rules().gql()?;
        let new = NewCommunity {
            slug: input.slug,
            name: input.name,
            description: input.description,
            field_of_knowledge: input.field_of_knowledge,
            visibility: input.visibility.into(),
            membership_policy: input.membership_policy.into(),
            creation_mode: input.creation_mode.into(),
            interaction_mode: input.interaction_mode.into(),
            stage: input.stage.into(),
            eligibility,
            sponsor_approval_required: input.sponsor_approval_required,
            open_to_all_organizations: input.open_to_all_organizations,
            translations: translation::inputs(input.translations),
        };
        let community = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateCommunityPayload { community: Community::new(community) })
    }

    /// Changes a community's profile and rules (its founders, animators and administrators).
    async fn update_community(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community and the changes; omitted fields are left as they are.")]
        input: UpdateCommunityInput,
    ) -> async_graphql::Result<UpdateCommunityPayload> {
        let id = from_global("id", NodeKind::Community, &input.id).gql()?;
        let eligibility = input.eligibility.map(EligibilityInput::into_rules).transpose().gql()?;
        let changes = CommunityChanges {
            name: input.name,
            description: input.description,
            field_of_knowledge: input.field_of_knowledge,
            visibility: input.visibility.map(Into::into),
            membership_policy: input.membership_policy.map(Into::into),
            creation_mode: input.creation_mode.map(Into::into),
            interaction_mode: input.interaction_mode.map(Into::into),
            stage: input.stage.map(Into::into),
            eligibility,
            sponsor_approval_required: input.sponsor_approval_required,
            open_to_all_organizations: input.open_to_all_organizations,
            translations: input.translations.map(translation::inputs),
        };
        let community = service::update(app(ctx), caller(ctx), id, changes).await.gql()?;
        Ok(UpdateCommunityPayload { community: Community::new(community) })
    }

    /// Archives a community (read-only from then on), or restores it.
    async fn archive_community(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community, and whether to archive (default) or restore it.")]
        input: ArchiveCommunityInput,
    ) -> async_graphql::Result<ArchiveCommunityPayload> {
        let id = from_global("id", NodeKind::Community, &input.id).gql()?;
        let community = service::archive(app(ctx), caller(ctx), id, input.archived).await.gql()?;
        Ok(ArchiveCommunityPayload { community: Community::new(community) })
    }
}
