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

## Translations of named things

translation-language = must be a French or English language tag (fr, en, fr-CA, en-GB…), not “{ $tag }”
translation-duplicate-language = gives the language “{ $language }” a second time: each language at most once
translation-no-description = has no description to translate here: give the name only
