# Maillage's message catalogue, in English. Every id exists in fr.ftl too (a unit test
# checks it). Messages about an input field are written to follow the field's name
# ("title: must not be empty").

## Errors every operation can give

unauthenticated = you must be logged in to do this
unavailable = the service is busy; try again shortly
internal = internal error
already-exists = already exists
not-allowed-characters = contains characters that are not allowed
not-found = { $what ->
    [organization] organization not found
    [subgroup] subgroup not found
    [community] community not found
    [person] person not found
    [occurrence] occurrence not found
    [membership] membership not found
    [session] session not found
    [event] event not found
    [wiki-page] wiki page not found
    [time-entry] time entry not found
    [thread] thread not found
    [document] document not found
    [api-client] API client not found
    [theme] theme not found
    [post] post not found
    [participating-organization] participating organization not found
    [node] node not found
    [wiki-page-revision] wiki page revision not found
    [token] token not found
    [rule] rule not found
    [report] report not found
    [referenced-record] referenced record not found
    [personal-access-token] personal access token not found
    [parent] parent not found
    [identity-provider] identity provider not found
    [identity] identity not found
    [document-version] document version not found
   *[other] not found
}

## Input checks shared by every mutation

must-not-be-empty = must not be empty
too-long = is { $length } characters long; the maximum is { $max }
slug-format = must be 2 to { $max } characters of a-z, 0-9 and inner hyphens
control-character = must not contain a control character (U+{ $code })
invisible-character = must not contain an invisible formatting character (U+{ $code })
not-an-email = is not an e-mail address
too-many-entries = has more than { $max } entries
url-too-long = is too long
url-not-absolute = is not an absolute URL
url-needs-https = must use https (plain http is allowed on loopback only)
url-not-http = must be an http(s) URL
url-host-and-credentials = must name a host and carry no credentials
url-fragment = must not carry a #fragment
not-a-domain = { $value } is not a domain name
bad-cursor = is not a valid cursor
cursor-other-order = was made for another orderBy of this list
first-and-last = cannot be combined with first
page-size = must be between 0 and { $max }

## Requests the server refuses before running them

rate-limited = too many requests: try again in { $seconds } s
invalid-token = the token is invalid, expired or revoked: log in again
body-timeout = the request body did not arrive within { $seconds } s
body-too-large = the request body exceeds { $max } bytes
body-unreadable = the request body could not be read
not-graphql-json = the request body is not a GraphQL request in JSON: { $detail }
not-graphql-multipart = the request body is not a GraphQL multipart request: { $detail }
not-graphql-get = the URL's parameters are not a GraphQL request: { $detail }
send-json = send JSON with Content-Type: application/json
send-graphql-json = send the GraphQL request as JSON, with Content-Type: application/json
method-not-allowed = send GraphQL requests with POST (or queries with GET)
no-batches = this server does not accept batches: send one operation per request
batch-size = a batch holds from 1 to { $max } operations, not { $count }
batch-cost = the batch costs { $cost }, more than the whole budget of { $limit } points a minute: send fewer operations at once
no-query = the request has no query
server-busy = the server is busy: try again
answer-too-large = the answer is larger than { $max } bytes: ask for fewer fields or smaller pages
timed-out = the request took longer than { $seconds } s and was stopped
upload-too-large = the request exceeds the largest upload ({ $mib } MiB)
uploads-busy = the server cannot receive files now: try again later

## Access policies

rule-changes-per-minute = at most { $max } permission changes a minute: try again in a minute
rules-per-scope = this scope already has { $max } rules of its own (a community and its subgroups together): revoke one first

## Refusals of the access policy

denied = you may not { $action ->
     [view] view
     [read] read
     [post] post
     [join] join
     [request] request
     [respond_invitation] respond invitation
     [list_members] list members
     [invite] invite
     [approve] approve
     [sponsor_approve] sponsor approve
     [moderate] moderate
     [manage_members] manage members
     [assign_roles] assign roles
     [create_subgroup] create subgroup
     [update] update
     [archive] archive
     [manage_organizations] manage organizations
     [manage_policy] manage policy
     [read_audit] read audit
     [manage] manage
     [create_organization] create organization
     [create_community] create community
     [manage_roles] manage roles
     [name_sponsor] name sponsor
     [suspend] suspend
     [manage_identity] manage identity
     [create_event] create event
     [publish_event] publish event
     [manage_events] manage events
     [upload_document] upload document
     [publish_document] publish document
     [validate_document] validate document
     [manage_library] manage library
     [purge_document] purge document
     [edit_wiki] edit wiki
     [accept_answer] accept answer
     [announce] announce
     [read_totals] read totals
     [decide] decide
     [set_allowance] set allowance
     [manage_participation] manage participation
    *[read_time_report] read time report
} on this { $object ->
     [network] network
     [organization] organization
     [community] community
     [subgroup] subgroup
    *[time_entry] time_entry
}

## Managing access policies

unknown-role = unknown role { $value }
unknown-object = unknown object { $value }
unknown-action = unknown action { $value }
object-not-in-scope = a { $object } is not found in that scope
view-rules-network-wide = who may see a community is set for every community at once (change its visibility instead)
grant-beyond-own = you may only allow what you may do yourself in this scope
scope-rule-role = rules for one scope cannot name { $role }: only network administrators write them
suspend-network-wide = suspending an organization is decided for every organization at once (network-wide rules)
network-roles = network roles are ADMIN and AUDITOR
organization-roles = organization roles are ADMIN, MANAGER and MEMBER
not-of-organization = this person does not belong to that organization
roles-scope = roles are assigned in the network or an organization; community roles go through assignCommunityRoles
import-locks-you-out = after this import you could no longer manage_policy on the network: keep a rule that lets you
import-locks-admins-out = after this import network administrators could no longer manage_policy on the network
policy-too-large = the policy exceeds 1 MiB
view-rule-in-csv = { $rule }: rules about view apply to every scope at once
policy-without-permissions = the policy has no permission rule: nobody could do anything
audit-scope = trails are kept per organization and community: a subgroup's changes are in its community's

## Managing roles

role-already-held = the person already holds this role
role-not-held = the person does not hold this role
rule-exists = this rule already exists

## Communities

too-many = has too many entries
unknown-organization = names an organization that does not exist
slug-taken = { $slug } is already taken

## Organizations

return-urls-max = at most { $max } URLs
url-prefix-query = a URL prefix carries no query
return-urls-admins = only network administrators may change allowedReturnUrls (their origins may call the API for everyone)

## Subgroups

subgroup-members-only = only active members of the community can join its subgroups

## Sponsors

already-participating = this organization already takes part in the community
sponsor-of-organization = the sponsor must be a person of that organization
sponsor-manager = the sponsor must be a manager of that organization
cannot-sponsor = this person cannot sponsor this community

## Personal access tokens

tokens-from-session = personal access tokens are created and revoked from a login session, not with a token
at-least-one-scope = must name at least one scope
must-be-future = must be in the future
within-days = must be within { $days } days
live-tokens-max = at most { $max } live personal access tokens: revoke one first

## API clients

clients-from-session = API clients are managed from a login session, not with a token
client-cannot = an API client cannot { $what }
service-account-no-roles = is an API client's service account, which holds no roles
scope-not-held = you do not hold the { $scope } scope
organization-suspended = the organization is suspended
live-clients-max = at most { $max } live API clients per organization: revoke one first
client-revoked = the API client is revoked

## Trusted documents

documents-count = must hold from 1 to { $max } documents
document-size = must be a non-empty document of at most { $max } bytes
document-hash = must be the lower-case hexadecimal SHA-256 of the query
trusted-documents-max = an organization holds at most { $max } trusted documents
trusted-documents-admins = only network administrators decide what the front ends' origins may run (they call the API for everyone)

## Tokens

no-such-slug = no organization has the slug { $slug }

## Ids

not-occurrence-id = is not the id of an Occurrence
bad-id = is not a valid id
wrong-id-kind = is not the id of a { $kind }

## Scopes

scope-id = must be the id of an organization, a community or a subgroup

## Questions

between = must be between { $min } and { $max }

## Identities

only-identity = this is your only way to log in; link another identity first

## Claim mappings

rules-max = at most { $max } rules
claim-name = must name a claim (dots reach into objects)
length-between = must be { $min } to { $max } characters
role-rule-condition = a role rule needs exactly one condition: contains or equals
profile-rule-condition = a profile rule copies its claim: no condition
rule-target = a rule grants either an organizationRole or fills a profileField

## Identity providers

providers-admins = only network administrators may list every organization's providers
no-query-string = must not carry a query
scopes-max = at most { $max } scopes
not-a-scope = { $scope } is not a scope
not-an-openid-provider = cannot be used as an OpenID provider: it must be a public https address serving a valid discovery document whose issuer is exactly this URL
provider-exists = this organization already has a provider with this issuer
required = is required

## Sessions

link-from-session = link identities from a login session, not a token
return-url-not-allowed = is not on this organization's allowedReturnUrls
code-unknown = is unknown, already used or expired
account-disabled = this account is disabled
account-organization-suspended = this account's organization is suspended
outranked = you may not end the sessions of someone who outranks you
sessions-admins = only network administrators may end this person's sessions

## Wiki

page-other-community = is a page of another community
pages-depth = pages nest at most { $max } deep
page-saved-since = someone saved this page since: compare with the latest revision and save again
revision-other-page = is a revision of another page
revision-too-long = revision { $number } has more than 50,000 lines: too long to compare

## Limits of a query

nesting = query: nested deeper than { $max } brackets, braces or parentheses
fragments-max = a request may define at most { $max } fragments
selections-max = a request may select at most { $max } fields
directives-max = a request may use at most { $max } directives
aliases-max = a request may use at most { $max } aliases
arguments-max = a field or directive may have at most { $max } arguments
expanded-selections-max = a request may select at most { $max } fields once its fragments are spread
mutation-fields-max = a mutation may have at most { $max } fields
root-fields-max = an operation may have at most { $max } root fields
introspection-cost = the introspection asked for costs more than the standard introspection query
query-cost = the query costs { $cost } and at most { $max } is allowed (a connection costs its page size times what it selects)
depth-max = the query is nested deeper than { $max } fields
query-cost-over = the query costs more than { $max } (a connection costs its page size times what it selects)
variables-max = variables: hold more than { $max } values in all
errors-omitted = { $count } more errors omitted

## Nodes

ids-max = takes at most { $max } ids

## Trusted documents (GraphQL)

not-a-document = is not a GraphQL document

## Logging in

send-bearer = send a valid bearer token
send-json-with = send JSON: { $shape }
unknown-organization-address = no organization of the network has this address

## Reports

report-parameters = expected ?organization=<id>&year=<year>
log-in = log in
try-again-shortly = try again shortly

## Events

time-zone-format = must be an IANA time zone such as America/Toronto
time-zone-unknown = is not a known IANA time zone (e.g. America/Toronto)
rrule-format = must be one RFC 5545 RRULE value, such as FREQ=MONTHLY;BYDAY=2TU
rrule-invalid = is not a valid RRULE: { $detail }
rrule-too-frequent = may not recur more often than daily
rrule-time-of-day = may not set times of day (BYHOUR, BYMINUTE, BYSECOND): the start gives the time
rrule-count = COUNT must be between 1 and { $max }
rrule-count-filter = a daily or weekly series with COUNT may not keep only some months or days of the month or year (BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO): use FREQ=MONTHLY or FREQ=YEARLY
rrule-empty = gives no occurrence
rrule-count-end = a series with COUNT must end before 2200
window-from-early = must be in 1970 or later
window-to-late = must be before 2200
window-to-before-from = must be after from
window-too-long = the window may span at most { $days } days
window-too-many-events = this window holds more than { $max } events: ask for a shorter one
event-start-range = must be between 2000 and 2100
event-end-before-start = must be after startsAt
event-too-long = an occurrence lasts at most { $days } days
event-capacity = must be between 1 and { $max }
event-organizers-max = at most { $max } organizers
event-place-needed = an in-person or hybrid event needs a place
event-join-url-needed = a virtual or hybrid event needs a join link
event-speakers-max = at most { $max } speakers
event-organizers-members = every organizer must be an active member of the community
event-subgroup-audience = a subgroup's events are for its readers (MEMBERS)
event-community-series-full = this community already has { $max } recurring series that have not ended: end or shorten one (UNTIL or COUNT) first
event-community-full = this community already has { $max } events that have not ended
event-own-series-full = you already have { $max } recurring series in this community that have not ended, the most one person may have (your own limit; the community's animators have none): end or shorten one first
event-own-full = you already have { $max } events in this community that have not ended, the most one person may have (your own limit; the community's animators have none)
event-daily-limit = you created { $max } events in this community in the last 24 hours: try again later
event-change-forbidden = only the event's organizers and the community's animators may change it
event-changed-meanwhile = the event was changed by someone else meanwhile; reload it and try again
occurrence-other-event = is not an occurrence of this event
occurrence-needed-edit = is required to edit part of a series
occurrence-fields-only = one occurrence may change only its title, place and times; use ALL or THIS_AND_FOLLOWING
occurrence-needed-cancel = is required to cancel part of a series
occurrence-cancelled = this occurrence is cancelled
occurrence-over = this occurrence is over
hours-quarter = must be between 0 and 24, in quarter hours (e.g. 1.25)
attendance-lines = give 1 to { $max } lines
attendance-person-twice = names a person twice
attendance-not-started = attendance is recorded once the occurrence has started
attendance-hours-max = at most the occurrence's length
attendance-members = every person must be an active member of the community
attendance-forbidden = only the event's organizers and the community's animators see attendance

## Time budget

hours-positive-range = must be more than 0 and at most { $max }, in quarter hours (e.g. 1.25)
hours-range = must be 0 or more and at most { $max }, in quarter hours (e.g. 1.25)
year-start-month = must be 1 to 12
year-start-day = is not a day of that month (February 29 is not allowed)
budget-year-range = must be 2000 to 2200
allowance-own = nobody sets their own allowance
allowance-sponsor-only = only the sponsor of the person's own organization (or its managers where it names none) sets their allowance
time-date-future = must not be in the future
time-date-early = must be in 2000 or later
time-members-only = only active members of the community log time in it
time-day-full = a day holds at most 24 hours across all entries
attendance-time-decided = the time of a person on this list has already been approved or refused by their sponsor: record their line as it was
refusal-reason = a refusal says why
decide-own-time = nobody decides on their own time
decide-sponsor-only = only the sponsor of the person's own organization (or its managers where it names none) decides this
entry-not-pending = this entry is not waiting for a decision

## Discussions

language-tag = is not a language tag (BCP 47, such as fr or fr-CA)
expires-future = must be in the future
expires-announcements-only = only announcements expire
thread-locked = this thread is locked: only its moderators may write in it
reply-other-thread = is not a reply in this thread
reply-deleted = this reply was deleted
reply-edit-author-only = only its author may edit a reply
reply-delete-forbidden = only its author or a moderator may delete a reply
reply-not-question = is not a reply to a question
accept-forbidden = only the person who asked, or an animator, may accept an answer
accept-own-forbidden = only the person who asked may accept your own reply as the answer
reply-hidden = this reply was hidden by a moderator
move-subgroup-other = is not a subgroup of the thread's community
report-resolved = was already resolved

## Library

filter-languages-max = takes at most { $max } languages
text-max-chars = is at most { $max } characters
tags-max = takes at most { $max } tags
tag-max-chars = holds tags of at most { $max } characters
updated-before-after = must not be before updatedAfter
language-tag-library = must be a BCP 47 language tag such as fr, en or fr-CA
people-max = takes at most { $max } people
author-unknown = names someone who is not a person of the network
file-type-refused = is of a type that is not accepted
file-type-mismatch = does not hold what its name says (its bytes are not of that format)
file-multipart = must be a file sent with the request (multipart)
file-empty = is empty
file-too-large = is larger than the { $mib } MiB accepted
document-archived = is archived: unarchive it first
document-not-archived = is not archived
themes-max = takes at most { $max } themes
theme-other-community = names a theme that is not one of this community's
theme-parent-other = is not a theme of this community
theme-own-ancestor = would make the theme its own ancestor
theme-too-deep = nests too deep

## Memberships

grant-role-forbidden = only those who may assign community roles may give a role other than MEMBER
grant-role-above = you may not give a role that ranks above your own
member-outranks = this member outranks you
last-founder = this is the community's last founder or administrator: name another one first
not-eligible = not eligible: { $criterion ->
        [profession] profession
        [job-title] job title
        [sector] sector
       *[region] region
    } must be one of { $allowed } (yours: { $yours })
not-eligible-organization = not eligible: your organization is not among those this community admits
join-not-participating = only people of this community's participating organizations may join it; ask your organization to take part
join-banned = you were banned from this community and cannot ask to join again
join-already-member = you are already a member
join-already-pending = your request is already pending
join-already-invited = you are invited: accept the invitation instead
join-invitation-only = this community is by invitation only
roles-empty = must name at least one role
invite-banned = this person was banned from the community; lift the ban first
invite-already = this person is already { $status ->
        [active] active
       *[invited] invited
    }
no-pending-invitation = there is no pending invitation
decide-membership-forbidden = only the community's animators, or the sponsor of the person's organization, may decide on this membership
decide-own-membership = nobody may decide on their own membership
membership-not-pending = nothing is pending on this membership
animator-key-forbidden = only the community's animators may give the animator's key
sponsor-key-forbidden = only the sponsor of the person's organization may give the sponsor's key
key-which = you may give either key: say which one (ANIMATOR or SPONSOR); the other must come from someone else
key-already-given = this key was already given
key-two-people = you already gave the other key: the two keys must come from two different people
not-a-member = this person is not a member

## Directory

tag-comma = a tag may not contain a comma
field-twice = names a field more than once

## The GraphQL engine's own messages (async-graphql's templates; English as it writes them)

gql-unknown-field = Unknown field "{ $field }" on type "{ $type }".
gql-unknown-argument = Unknown argument "{ $argument }" on field "{ $field }" of type "{ $type }".
gql-unknown-directive-argument = Unknown argument "{ $argument }" on directive "{ $directive }".
gql-argument-required = Field "{ $field }" argument "{ $argument }" of type "{ $type }" is required but not provided
gql-directive-argument-required = Directive "@{ $directive }" argument "{ $argument }" of type "{ $type }" is required but not provided
gql-no-subfields = Field "{ $field }" must not have a selection since type "{ $type }" has no subfields
gql-subfields-needed = Field "{ $field }" of type "{ $type }" must have a selection of subfields
gql-unknown-fragment = Unknown fragment: "{ $fragment }"
gql-unknown-type = Unknown type "{ $type }"
gql-variable-undefined-in = Variable "${ $variable }" is not defined by operation "{ $operation }"
gql-variable-undefined = Variable "${ $variable }" is not defined
gql-variable-unused-in = Variable "${ $variable }" is not used by operation "{ $operation }"
gql-variable-unused = Variable "${ $variable }" is not used
gql-variable-not-input = Variable "{ $variable }" cannot be of non-input type "{ $type }"
gql-variable-position = Variable "{ $variable }" of type "{ $type }" used in position expecting type "{ $expected }"
gql-fragment-unused = Fragment "{ $fragment }" is never used
gql-unknown-directive = Unknown directive "{ $directive }"
gql-directive-location = Directive "{ $directive }" may not be used on "{ $location }"
gql-argument-twice = There can only be one argument named "{ $argument }"
gql-variable-twice = There can only be one variable named "${ $variable }"
gql-fields-conflict = Fields "{ $alias }" conflict: use different aliases on the fields to fetch both
gql-unknown-operation = Unknown operation named "{ $operation }"
gql-operation-name-required = Operation name required in request.
gql-expected-type = Expected input type "{ $type }", found { $value }.
gql-failed-to-parse = Failed to parse "{ $type }": { $reason }
gql-invalid-value = Invalid value for argument "{ $argument }", { $reason }
gql-invalid-default = Invalid default value for argument: "{ $argument }", { $reason }
gql-reason-expected-type = expected type "{ $type }"
gql-reason-enum-value = enumeration type "{ $type }" does not contain the value "{ $value }"
gql-reason-field-required = field "{ $field }" of type "{ $type }" is required but not provided
gql-reason-unknown-field = unknown field "{ $field }" of type "{ $type }"
gql-did-you-mean = Did you mean { $options }?

## Files, feeds and reports over HTTP

http-not-found = not found
try-again-shortly = try again shortly
link-malformed = the link is malformed
link-incomplete = the link is incomplete
link-expired = the link is invalid or has expired: ask for a new one
report-needs-token = log in: this report needs a bearer token

## Translations of named things

translation-language = must be a French or English language tag (fr, en, fr-CA, en-GB…), not “{ $tag }”
translation-duplicate-language = gives the language “{ $language }” a second time: each language at most once
translation-no-description = has no description to translate here: give the name only

## Subgroups

subgroup-update-forbidden = only those who may create subgroups in the community (its animators) may change its subgroups

## Policy rules, HTTP endpoints, OAuth and the GraphQL parser in both languages

policy-rule-at-line = line { $line }: { $problem }
policy-rule-inheritance-fields = a g line has exactly two roles
policy-rule-line-type = unknown line type "{ $found }" (p or g)
policy-rule-inherits-other-kind = { $role } can only inherit a role of the same kind of scope, not { $inherited }
policy-rule-inherits-itself = { $role } cannot inherit itself
policy-rule-permission-fields = a p line has { $expected } fields (role, scope, object, action, visibility, policy, state, effect), not { $found }
policy-rule-unknown-role = unknown role "{ $role }"
policy-rule-unknown-scope = unknown scope "{ $scope }"
policy-rule-role-out-of-scope = role { $role } does not count in { $scope } scopes
policy-rule-unknown-object = unknown object "{ $object }"
policy-rule-object-out-of-scope = object { $object } is not found in { $scope } scopes
policy-rule-unknown-action = unknown action "{ $action }"
policy-rule-value-not-allowed = { $attribute ->
        [visibility] visibility
        [membership-policy] membership policy
        [state] state
       *[effect] effect
    } "{ $value }" is not one of { $allowed }
policy-rule-inheritance-cycle = role inheritance has a cycle: { $cycle } (each role would hold every other)
http-metrics-need-token = metrics need the metrics token
http-parameter-problem = { $parameter } { $problem }
http-get-not-json = { $parameter }: not a JSON object in the URL: { $detail }
health-migrations-pending = database migrations are pending
health-policy-not-loaded = the authorization policy is not loaded
health-database-unreachable = the database cannot be reached
health-database-not-answering = the database does not answer in time
oauth-client-authentication-failed = client authentication failed
oauth-use-post = use POST
oauth-too-many-attempts = too many failed attempts: try again in { $seconds } s
oauth-send-form = send the parameters as application/x-www-form-urlencoded
oauth-body-unreadable = the request body could not be read
oauth-body-too-large = the request body is larger than { $max } bytes
oauth-parameter-repeated = { $parameter } is given more than once
oauth-one-authentication = authenticate the client one way: HTTP Basic or the body, not both
oauth-grant-type-missing = grant_type is missing
oauth-grant-type-unsupported = only the client_credentials grant is supported
oauth-scope-unknown = scopes are read, write and admin
oauth-scope-not-held = the client does not hold every scope asked for
oauth-client-suspended = the client's organization or account is suspended
oauth-try-again-later = the token could not be issued: try again later
gql-parse-expected = expected { $expected }
gql-parse-unexpected = unexpected { $unexpected }
gql-parse-unexpected-expected = unexpected { $unexpected }; expected { $expected }
gql-parse-unknown = unknown parsing error
gql-parse-rules-one = { $rule }
gql-parse-rules-two = { $first } or { $last }
gql-parse-rules-many = { $first }, or { $last }
gql-parse-multiple-operations = document contains multiple operations
gql-parse-operation-twice = operation { $operation } is defined twice
gql-parse-fragment-twice = fragment { $fragment } is defined twice
gql-parse-no-operation = document does not contain an operation
gql-parse-recursion-limit = recursion limit exceeded.
gql-parse-invalid-number = invalid number: { $reason }
gql-parse-number-too-large = number too large to fit in target type
gql-parse-number-too-small = number too small to fit in target type
