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
