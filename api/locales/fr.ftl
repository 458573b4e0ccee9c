# Le catalogue des messages de Maillage, en français. Chaque identifiant existe aussi
# dans en.ftl (un test unitaire le vérifie). Les messages sur un champ de saisie suivent
# le nom du champ (« title : ne doit pas être vide »).

## Erreurs que toute opération peut donner

unauthenticated = vous devez être connecté pour faire ceci
unavailable = le service est occupé; réessayez dans un instant
internal = erreur interne
already-exists = existe déjà
not-allowed-characters = contient des caractères qui ne sont pas permis
not-found = { $what ->
    [organization] organisation introuvable
    [subgroup] sous-groupe introuvable
    [community] communauté introuvable
    [person] personne introuvable
    [occurrence] occurrence introuvable
    [membership] adhésion introuvable
    [session] session introuvable
    [event] événement introuvable
    [wiki-page] page de wiki introuvable
    [time-entry] entrée de temps introuvable
    [thread] fil de discussion introuvable
    [document] document introuvable
    [api-client] client d'API introuvable
    [theme] thème introuvable
    [post] réponse introuvable
    [participating-organization] organisation participante introuvable
    [node] objet introuvable
    [wiki-page-revision] révision de page de wiki introuvable
    [token] jeton introuvable
    [rule] règle introuvable
    [report] signalement introuvable
    [referenced-record] enregistrement référencé introuvable
    [personal-access-token] jeton d'accès personnel introuvable
    [parent] parent introuvable
    [identity-provider] fournisseur d'identité introuvable
    [identity] identité introuvable
    [document-version] version de document introuvable
   *[other] introuvable
}

## Vérifications de saisie communes à toutes les mutations

must-not-be-empty = ne doit pas être vide
too-long = compte { $length } caractères; le maximum est de { $max }
slug-format = doit compter de 2 à { $max } caractères parmi a-z, 0-9 et des traits d'union intérieurs
control-character = ne doit pas contenir de caractère de contrôle (U+{ $code })
invisible-character = ne doit pas contenir de caractère de mise en forme invisible (U+{ $code })
not-an-email = n'est pas une adresse courriel
too-many-entries = compte plus de { $max } entrées
url-too-long = est trop longue
url-not-absolute = n'est pas une URL absolue
url-needs-https = doit utiliser https (http n'est permis qu'en boucle locale)
url-not-http = doit être une URL http(s)
url-host-and-credentials = doit nommer un hôte et ne porter aucun identifiant
url-fragment = ne doit pas porter de #fragment
not-a-domain = { $value } n'est pas un nom de domaine
bad-cursor = n'est pas un curseur valide
cursor-other-order = a été fait pour un autre orderBy de cette liste
first-and-last = ne peut pas être combiné avec first
page-size = doit être entre 0 et { $max }

## Requêtes que le serveur refuse avant de les exécuter

rate-limited = trop de requêtes : réessayez dans { $seconds } s
invalid-token = le jeton est invalide, expiré ou révoqué : reconnectez-vous
body-timeout = le corps de la requête n'est pas arrivé en { $seconds } s
body-too-large = le corps de la requête dépasse { $max } octets
body-unreadable = le corps de la requête n'a pas pu être lu
not-graphql-json = le corps de la requête n'est pas une requête GraphQL en JSON : { $detail }
not-graphql-multipart = le corps de la requête n'est pas une requête GraphQL multipart : { $detail }
not-graphql-get = les paramètres de l'URL ne forment pas une requête GraphQL : { $detail }
send-json = envoyez du JSON avec Content-Type: application/json
send-graphql-json = envoyez la requête GraphQL en JSON, avec Content-Type: application/json
method-not-allowed = envoyez les requêtes GraphQL par POST (ou les query par GET)
no-batches = ce serveur n'accepte pas les lots : envoyez une opération par requête
batch-size = un lot compte de 1 à { $max } opérations, pas { $count }
batch-cost = le lot coûte { $cost }, plus que tout le budget de { $limit } points par minute : envoyez moins d'opérations à la fois
no-query = la requête ne contient pas de query
server-busy = le serveur est occupé : réessayez
answer-too-large = la réponse dépasse { $max } octets : demandez moins de champs ou des pages plus petites
timed-out = la requête a duré plus de { $seconds } s et a été arrêtée
upload-too-large = la requête dépasse le plus gros téléversement permis ({ $mib } Mio)
uploads-busy = le serveur ne peut pas recevoir de fichiers pour l'instant : réessayez plus tard

## Politiques d'accès

rule-changes-per-minute = au plus { $max } changements de permissions par minute : réessayez dans une minute
rules-per-scope = cette portée a déjà { $max } règles qui lui sont propres (une communauté et ses sous-groupes ensemble) : révoquez-en une d'abord

## Refus de la politique d'accès

denied = vous ne pouvez pas { $action ->
     [view] voir
     [read] lire
     [post] publier
     [join] rejoindre
     [request] demander à rejoindre
     [respond_invitation] répondre à l'invitation
     [list_members] lister les membres
     [invite] inviter
     [approve] approuver
     [sponsor_approve] approuver comme répondant
     [moderate] modérer
     [manage_members] gérer les membres
     [assign_roles] attribuer des rôles
     [create_subgroup] créer un sous-groupe
     [update] modifier
     [archive] archiver
     [manage_organizations] gérer les organisations
     [manage_policy] gérer la politique d'accès
     [read_audit] lire le journal d'audit
     [manage] gérer
     [create_organization] créer une organisation
     [create_community] créer une communauté
     [manage_roles] gérer les rôles
     [name_sponsor] nommer un répondant
     [suspend] suspendre
     [manage_identity] gérer l'identité
     [create_event] créer un événement
     [publish_event] publier un événement
     [manage_events] gérer les événements
     [upload_document] téléverser un document
     [publish_document] publier un document
     [validate_document] valider un document
     [manage_library] gérer la bibliothèque
     [purge_document] purger un document
     [edit_wiki] modifier le wiki
     [accept_answer] accepter une réponse
     [announce] publier une annonce
     [read_totals] lire les totaux
     [decide] décider
     [set_allowance] fixer l'allocation
     [manage_participation] gérer la participation
    *[read_time_report] lire le rapport de temps
} dans { $object ->
     [network] ce réseau
     [organization] cette organisation
     [community] cette communauté
     [subgroup] ce sous-groupe
    *[time_entry] cette entrée de temps
}

## Gestion des politiques d'accès

unknown-role = rôle inconnu { $value }
unknown-object = objet inconnu { $value }
unknown-action = action inconnue { $value }
object-not-in-scope = cet objet ({ $object }) ne se trouve pas dans cette portée
view-rules-network-wide = qui peut voir une communauté se règle pour toutes les communautés à la fois (changez plutôt sa visibilité)
grant-beyond-own = vous ne pouvez permettre que ce que vous pouvez faire vous-même dans cette portée
scope-rule-role = les règles d'une portée ne peuvent pas nommer { $role } : seuls les administrateurs du réseau les écrivent
suspend-network-wide = la suspension d'une organisation se décide pour toutes les organisations à la fois (règles du réseau)
network-roles = les rôles du réseau sont ADMIN et AUDITOR
organization-roles = les rôles d'une organisation sont ADMIN, MANAGER et MEMBER
not-of-organization = cette personne n'appartient pas à cette organisation
roles-scope = les rôles s'attribuent dans le réseau ou une organisation; les rôles de communauté passent par assignCommunityRoles
import-locks-you-out = après cette importation, vous ne pourriez plus manage_policy sur le réseau : gardez une règle qui vous le permet
import-locks-admins-out = après cette importation, les administrateurs du réseau ne pourraient plus manage_policy sur le réseau
policy-too-large = la politique dépasse 1 Mio
view-rule-in-csv = { $rule } : les règles sur view s'appliquent à toutes les portées à la fois
policy-without-permissions = la politique n'a aucune règle de permission : personne ne pourrait rien faire
audit-scope = les journaux sont tenus par organisation et par communauté : les changements d'un sous-groupe sont dans ceux de sa communauté

## Gestion des rôles

role-already-held = la personne détient déjà ce rôle
role-not-held = la personne ne détient pas ce rôle
rule-exists = cette règle existe déjà

## Communautés

too-many = compte trop d'entrées
unknown-organization = nomme une organisation qui n'existe pas
slug-taken = { $slug } est déjà pris

## Organisations

return-urls-max = au plus { $max } URL
url-prefix-query = un préfixe d'URL ne porte pas de paramètres de requête
return-urls-admins = seuls les administrateurs du réseau peuvent changer allowedReturnUrls (leurs origines peuvent appeler l'API pour tout le monde)

## Sous-groupes

subgroup-members-only = seuls les membres actifs de la communauté peuvent rejoindre ses sous-groupes

## Répondants

already-participating = cette organisation participe déjà à la communauté
sponsor-of-organization = le répondant doit être une personne de cette organisation
sponsor-manager = le répondant doit être un gestionnaire de cette organisation
cannot-sponsor = cette personne ne peut pas être répondante de cette communauté

## Jetons d'accès personnels

tokens-from-session = les jetons d'accès personnels se créent et se révoquent depuis une session de connexion, pas avec un jeton
at-least-one-scope = doit nommer au moins une portée
must-be-future = doit être dans le futur
within-days = doit tomber dans les { $days } jours
live-tokens-max = au plus { $max } jetons d'accès personnels actifs : révoquez-en un d'abord

## Clients d'API

clients-from-session = les clients d'API se gèrent depuis une session de connexion, pas avec un jeton
client-cannot = un client d'API ne peut pas : { $what }
service-account-no-roles = est le compte de service d'un client d'API, qui ne détient aucun rôle
scope-not-held = vous ne détenez pas la portée { $scope }
organization-suspended = l'organisation est suspendue
live-clients-max = au plus { $max } clients d'API actifs par organisation : révoquez-en un d'abord
client-revoked = le client d'API est révoqué

## Documents de confiance

documents-count = doit contenir de 1 à { $max } documents
document-size = doit être un document non vide d'au plus { $max } octets
document-hash = doit être le SHA-256 de la requête en hexadécimal minuscule
trusted-documents-max = une organisation détient au plus { $max } documents de confiance
trusted-documents-admins = seuls les administrateurs du réseau décident de ce que les origines des interfaces peuvent exécuter (elles appellent l'API pour tout le monde)

## Jetons

no-such-slug = aucune organisation n'a le slug { $slug }

## Identifiants

not-occurrence-id = n'est pas l'identifiant d'une Occurrence
bad-id = n'est pas un identifiant valide
wrong-id-kind = n'est pas l'identifiant d'un objet { $kind }

## Portées

scope-id = doit être l'identifiant d'une organisation, d'une communauté ou d'un sous-groupe

## Questions

between = doit être entre { $min } et { $max }

## Identités

only-identity = c'est votre seule façon de vous connecter; liez d'abord une autre identité

## Correspondances de revendications

rules-max = au plus { $max } règles
claim-name = doit nommer une revendication (les points entrent dans les objets)
length-between = doit compter de { $min } à { $max } caractères
role-rule-condition = une règle de rôle demande exactement une condition : contains ou equals
profile-rule-condition = une règle de profil copie sa revendication : aucune condition
rule-target = une règle accorde un organizationRole ou remplit un profileField

## Fournisseurs d'identité

providers-admins = seuls les administrateurs du réseau peuvent lister les fournisseurs de toutes les organisations
no-query-string = ne doit pas porter de paramètres de requête
scopes-max = au plus { $max } portées
not-a-scope = { $scope } n'est pas une portée
not-an-openid-provider = ne peut pas servir de fournisseur OpenID : ce doit être une adresse https publique qui sert un document de découverte valide dont l'émetteur est exactement cette URL
provider-exists = cette organisation a déjà un fournisseur avec cet émetteur
required = est obligatoire

## Sessions

link-from-session = liez les identités depuis une session de connexion, pas avec un jeton
return-url-not-allowed = n'est pas dans les allowedReturnUrls de cette organisation
code-unknown = est inconnu, déjà utilisé ou expiré
account-disabled = ce compte est désactivé
account-organization-suspended = l'organisation de ce compte est suspendue
outranked = vous ne pouvez pas fermer les sessions d'une personne qui a un rang plus élevé que le vôtre
sessions-admins = seuls les administrateurs du réseau peuvent fermer les sessions de cette personne

## Wiki

page-other-community = est une page d'une autre communauté
pages-depth = les pages s'imbriquent sur au plus { $max } niveaux
page-saved-since = quelqu'un a enregistré cette page depuis : comparez avec la dernière révision et enregistrez de nouveau
revision-other-page = est une révision d'une autre page
revision-too-long = la révision { $number } compte plus de 50 000 lignes : trop longue à comparer

## Limites d'une requête

nesting = query : imbriquée sur plus de { $max } crochets, accolades ou parenthèses
fragments-max = une requête peut définir au plus { $max } fragments
selections-max = une requête peut sélectionner au plus { $max } champs
directives-max = une requête peut utiliser au plus { $max } directives
aliases-max = une requête peut utiliser au plus { $max } alias
arguments-max = un champ ou une directive peut avoir au plus { $max } arguments
expanded-selections-max = une requête peut sélectionner au plus { $max } champs une fois ses fragments étendus
mutation-fields-max = une mutation peut avoir au plus { $max } champs
root-fields-max = une opération peut avoir au plus { $max } champs racines
introspection-cost = l'introspection demandée coûte plus que la requête d'introspection standard
query-cost = la requête coûte { $cost } et au plus { $max } est permis (une connexion coûte la taille de sa page multipliée par ce qu'elle sélectionne)
depth-max = la requête est imbriquée sur plus de { $max } champs
query-cost-over = la requête coûte plus de { $max } (une connexion coûte la taille de sa page multipliée par ce qu'elle sélectionne)
variables-max = variables : contiennent plus de { $max } valeurs en tout
errors-omitted = { $count } autres erreurs omises

## Nœuds

ids-max = accepte au plus { $max } identifiants

## Documents de confiance (GraphQL)

not-a-document = n'est pas un document GraphQL

## Connexion

send-bearer = envoyez un jeton bearer valide
send-json-with = envoyez du JSON : { $shape }
unknown-organization-address = aucune organisation du réseau n'a cette adresse

## Rapports

report-parameters = attendu : ?organization=<id>&year=<année>
log-in = connectez-vous
try-again-shortly = réessayez dans un instant

## Événements

time-zone-format = doit être un fuseau horaire IANA, par exemple America/Toronto
time-zone-unknown = n’est pas un fuseau horaire IANA connu (par exemple America/Toronto)
rrule-format = doit être une valeur RRULE de la RFC 5545, par exemple FREQ=MONTHLY;BYDAY=2TU
rrule-invalid = n’est pas une RRULE valide : { $detail }
rrule-too-frequent = ne peut pas se répéter plus d’une fois par jour
rrule-time-of-day = ne peut pas fixer d’heures (BYHOUR, BYMINUTE, BYSECOND) : le début donne l’heure
rrule-count = COUNT doit être entre 1 et { $max }
rrule-count-filter = une série quotidienne ou hebdomadaire avec COUNT ne peut pas garder seulement certains mois ou jours du mois ou de l’année (BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO) : utilisez FREQ=MONTHLY ou FREQ=YEARLY
rrule-empty = ne donne aucune occurrence
rrule-count-end = une série avec COUNT doit finir avant 2200
window-from-early = doit être en 1970 ou après
window-to-late = doit être avant 2200
window-to-before-from = doit être après from
window-too-long = la période peut couvrir au plus { $days } jours
window-too-many-events = cette période compte plus de { $max } événements : demandez-en une plus courte
event-start-range = doit être entre 2000 et 2100
event-end-before-start = doit être après startsAt
event-too-long = une occurrence dure au plus { $days } jours
event-capacity = doit être entre 1 et { $max }
event-organizers-max = au plus { $max } organisateurs
event-place-needed = un événement en présence ou hybride a besoin d’un lieu
event-join-url-needed = un événement virtuel ou hybride a besoin d’un lien pour se joindre
event-speakers-max = au plus { $max } conférenciers
event-organizers-members = chaque organisateur doit être un membre actif de la communauté
event-subgroup-audience = les événements d’un sous-groupe sont pour ses lecteurs (MEMBERS)
event-community-series-full = cette communauté a déjà { $max } séries récurrentes qui ne sont pas terminées : terminez-en ou raccourcissez-en une (UNTIL ou COUNT) d’abord
event-community-full = cette communauté a déjà { $max } événements qui ne sont pas terminés
event-own-series-full = vous avez déjà { $max } séries récurrentes non terminées dans cette communauté, le maximum pour une personne (votre propre limite; les animateurs de la communauté n’en ont pas) : terminez-en ou raccourcissez-en une d’abord
event-own-full = vous avez déjà { $max } événements non terminés dans cette communauté, le maximum pour une personne (votre propre limite; les animateurs de la communauté n’en ont pas)
event-daily-limit = vous avez créé { $max } événements dans cette communauté dans les dernières 24 heures : réessayez plus tard
event-change-forbidden = seuls les organisateurs de l’événement et les animateurs de la communauté peuvent le modifier
event-changed-meanwhile = l’événement a été modifié par quelqu’un d’autre entre-temps; rechargez-le et réessayez
occurrence-other-event = n’est pas une occurrence de cet événement
occurrence-needed-edit = est requis pour modifier une partie d’une série
occurrence-fields-only = une occurrence ne peut changer que son titre, son lieu et ses heures; utilisez ALL ou THIS_AND_FOLLOWING
occurrence-needed-cancel = est requis pour annuler une partie d’une série
occurrence-cancelled = cette occurrence est annulée
occurrence-over = cette occurrence est terminée
hours-quarter = doit être entre 0 et 24, en quarts d’heure (par exemple 1,25)
attendance-lines = donnez de 1 à { $max } lignes
attendance-person-twice = nomme une personne deux fois
attendance-not-started = la présence se note une fois l’occurrence commencée
attendance-hours-max = au plus la durée de l’occurrence
attendance-members = chaque personne doit être un membre actif de la communauté
attendance-forbidden = seuls les organisateurs de l’événement et les animateurs de la communauté voient la présence

## Budget de temps

hours-positive-range = doit être plus de 0 et au plus { $max }, en quarts d’heure (par exemple 1,25)
hours-range = doit être 0 ou plus et au plus { $max }, en quarts d’heure (par exemple 1,25)
year-start-month = doit être de 1 à 12
year-start-day = n’est pas un jour de ce mois (le 29 février n’est pas permis)
budget-year-range = doit être de 2000 à 2200
allowance-own = personne ne fixe sa propre allocation
allowance-sponsor-only = seul le parrain de l’organisation de la personne (ou ses gestionnaires, s’il n’y en a pas) fixe son allocation
time-date-future = ne doit pas être dans le futur
time-date-early = doit être en 2000 ou après
time-members-only = seuls les membres actifs de la communauté y notent du temps
time-day-full = une journée compte au plus 24 heures, toutes entrées confondues
attendance-time-decided = le temps d’une personne de cette liste a déjà été approuvé ou refusé par son parrain : notez sa ligne telle qu’elle était
refusal-reason = un refus dit pourquoi
decide-own-time = personne ne décide de son propre temps
decide-sponsor-only = seul le parrain de l’organisation de la personne (ou ses gestionnaires, s’il n’y en a pas) en décide
entry-not-pending = cette entrée n’attend pas de décision

## Discussions

language-tag = n’est pas une étiquette de langue (BCP 47, par exemple fr ou fr-CA)
expires-future = doit être dans le futur
expires-announcements-only = seules les annonces expirent
thread-locked = ce fil est verrouillé : seuls ses modérateurs peuvent y écrire
reply-other-thread = n’est pas une réponse de ce fil
reply-deleted = cette réponse a été supprimée
reply-edit-author-only = seul son auteur peut modifier une réponse
reply-delete-forbidden = seuls son auteur ou un modérateur peuvent supprimer une réponse
reply-not-question = n’est pas une réponse à une question
accept-forbidden = seuls la personne qui a posé la question ou un animateur peuvent accepter une réponse
accept-own-forbidden = seule la personne qui a posé la question peut accepter votre propre réponse
reply-hidden = cette réponse a été masquée par un modérateur
move-subgroup-other = n’est pas un sous-groupe de la communauté du fil
report-resolved = a déjà été traité

## Bibliothèque

filter-languages-max = prend au plus { $max } langues
text-max-chars = compte au plus { $max } caractères
tags-max = prend au plus { $max } étiquettes
tag-max-chars = contient des étiquettes d’au plus { $max } caractères
updated-before-after = ne doit pas être avant updatedAfter
language-tag-library = doit être une étiquette de langue BCP 47, par exemple fr, en ou fr-CA
people-max = prend au plus { $max } personnes
author-unknown = nomme quelqu’un qui n’est pas une personne du réseau
file-type-refused = est d’un type qui n’est pas accepté
file-type-mismatch = ne contient pas ce que son nom annonce (ses octets ne sont pas de ce format)
file-multipart = doit être un fichier envoyé avec la requête (multipart)
file-empty = est vide
file-too-large = dépasse les { $mib } Mio acceptés
document-archived = est archivé : désarchivez-le d’abord
document-not-archived = n’est pas archivé
themes-max = prend au plus { $max } thèmes
theme-other-community = nomme un thème qui n’est pas de cette communauté
theme-parent-other = n’est pas un thème de cette communauté
theme-own-ancestor = ferait du thème son propre ancêtre
theme-too-deep = est imbriqué trop profondément

## Adhésions

grant-role-forbidden = seuls ceux qui peuvent attribuer des rôles dans la communauté peuvent donner un autre rôle que MEMBER
grant-role-above = vous ne pouvez pas donner un rôle plus élevé que le vôtre
member-outranks = ce membre a un rang plus élevé que le vôtre
last-founder = c’est le dernier fondateur ou administrateur de la communauté : nommez-en un autre d’abord
not-eligible = non admissible : { $criterion ->
        [profession] la profession
        [job-title] le titre d’emploi
        [sector] le secteur
       *[region] la région
    } doit être parmi { $allowed } (la vôtre : { $yours })
not-eligible-organization = non admissible : votre organisation n’est pas parmi celles que cette communauté admet
join-not-participating = seules les personnes des organisations participantes de cette communauté peuvent s’y joindre; demandez à votre organisation d’y participer
join-banned = vous avez été banni de cette communauté et ne pouvez plus demander à vous y joindre
join-already-member = vous êtes déjà membre
join-already-pending = votre demande est déjà en attente
join-already-invited = vous êtes invité : acceptez plutôt l’invitation
join-invitation-only = cette communauté est sur invitation seulement
roles-empty = doit nommer au moins un rôle
invite-banned = cette personne a été bannie de la communauté; levez le bannissement d’abord
invite-already = cette personne est déjà { $status ->
        [active] membre active
       *[invited] invitée
    }
no-pending-invitation = il n’y a pas d’invitation en attente
decide-membership-forbidden = seuls les animateurs de la communauté, ou le parrain de l’organisation de la personne, peuvent décider de cette adhésion
decide-own-membership = personne ne peut décider de sa propre adhésion
membership-not-pending = rien n’est en attente pour cette adhésion
animator-key-forbidden = seuls les animateurs de la communauté peuvent donner la clé de l’animateur
sponsor-key-forbidden = seul le parrain de l’organisation de la personne peut donner la clé du parrain
key-which = vous pouvez donner l’une ou l’autre clé : dites laquelle (ANIMATOR ou SPONSOR); l’autre doit venir de quelqu’un d’autre
key-already-given = cette clé a déjà été donnée
key-two-people = vous avez déjà donné l’autre clé : les deux clés doivent venir de deux personnes différentes
not-a-member = cette personne n’est pas membre

## Répertoire

tag-comma = une étiquette ne peut pas contenir de virgule
field-twice = nomme un champ plus d’une fois

## Les messages du moteur GraphQL (les modèles d’async-graphql)

gql-unknown-field = Champ "{ $field }" inconnu sur le type "{ $type }".
gql-unknown-argument = Argument "{ $argument }" inconnu sur le champ "{ $field }" du type "{ $type }".
gql-unknown-directive-argument = Argument "{ $argument }" inconnu sur la directive "{ $directive }".
gql-argument-required = L’argument "{ $argument }" du champ "{ $field }" (type "{ $type }") est requis mais n’a pas été fourni
gql-directive-argument-required = L’argument "{ $argument }" de la directive "@{ $directive }" (type "{ $type }") est requis mais n’a pas été fourni
gql-no-subfields = Le champ "{ $field }" ne doit pas avoir de sélection : le type "{ $type }" n’a pas de sous-champs
gql-subfields-needed = Le champ "{ $field }" de type "{ $type }" doit avoir une sélection de sous-champs
gql-unknown-fragment = Fragment inconnu : "{ $fragment }"
gql-unknown-type = Type inconnu : "{ $type }"
gql-variable-undefined-in = La variable "${ $variable }" n’est pas définie par l’opération "{ $operation }"
gql-variable-undefined = La variable "${ $variable }" n’est pas définie
gql-variable-unused-in = La variable "${ $variable }" n’est pas utilisée par l’opération "{ $operation }"
gql-variable-unused = La variable "${ $variable }" n’est pas utilisée
gql-variable-not-input = La variable "{ $variable }" ne peut pas être du type "{ $type }", qui n’est pas un type d’entrée
gql-variable-position = La variable "{ $variable }" de type "{ $type }" est utilisée là où le type "{ $expected }" est attendu
gql-fragment-unused = Le fragment "{ $fragment }" n’est jamais utilisé
gql-unknown-directive = Directive inconnue : "{ $directive }"
gql-directive-location = La directive "{ $directive }" ne peut pas être utilisée sur "{ $location }"
gql-argument-twice = Il ne peut y avoir qu’un argument nommé "{ $argument }"
gql-variable-twice = Il ne peut y avoir qu’une variable nommée "${ $variable }"
gql-fields-conflict = Les champs "{ $alias }" sont en conflit : donnez-leur des alias différents pour obtenir les deux
gql-unknown-operation = Opération inconnue : "{ $operation }"
gql-operation-name-required = Le nom de l’opération est requis dans la requête.
gql-expected-type = Type d’entrée "{ $type }" attendu, reçu { $value }.
gql-failed-to-parse = Impossible de lire "{ $type }" : { $reason }
gql-invalid-value = Valeur invalide pour l’argument "{ $argument }" : { $reason }
gql-invalid-default = Valeur par défaut invalide pour l’argument "{ $argument }" : { $reason }
gql-reason-expected-type = type "{ $type }" attendu
gql-reason-enum-value = le type énuméré "{ $type }" ne contient pas la valeur "{ $value }"
gql-reason-field-required = le champ "{ $field }" de type "{ $type }" est requis mais n’a pas été fourni
gql-reason-unknown-field = champ "{ $field }" inconnu dans le type "{ $type }"
gql-did-you-mean = Vouliez-vous dire { $options } ?

## Fichiers, flux et rapports en HTTP

http-not-found = introuvable
try-again-shortly = réessayez sous peu
link-malformed = le lien est mal formé
link-incomplete = le lien est incomplet
link-expired = le lien est invalide ou a expiré : demandez-en un nouveau
report-needs-token = connectez-vous : ce rapport demande un jeton (bearer)

## Traductions des choses nommées

translation-language = doit être une étiquette de langue française ou anglaise (fr, en, fr-CA, en-GB…), et non « { $tag } »
translation-duplicate-language = donne la langue « { $language } » une seconde fois : chaque langue au plus une fois
translation-no-description = n'a pas de description à traduire ici : donnez seulement le nom

## Sous-groupes

subgroup-update-forbidden = seules les personnes qui peuvent créer des sous-groupes dans la communauté (ses animateurs) peuvent modifier ses sous-groupes

## Règles de politique, points d’accès HTTP, OAuth et analyseur GraphQL dans les deux langues

policy-rule-at-line = ligne { $line } : { $problem }
policy-rule-inheritance-fields = une ligne g a exactement deux rôles
policy-rule-line-type = type de ligne inconnu « { $found } » (p ou g)
policy-rule-inherits-other-kind = { $role } ne peut hériter que d’un rôle du même genre de portée, et non de { $inherited }
policy-rule-inherits-itself = { $role } ne peut pas hériter de lui-même
policy-rule-permission-fields = une ligne p a { $expected } champs (rôle, portée, objet, action, visibilité, politique, état, effet), et non { $found }
policy-rule-unknown-role = rôle inconnu « { $role } »
policy-rule-unknown-scope = portée inconnue « { $scope } »
policy-rule-role-out-of-scope = le rôle { $role } ne compte pas dans les portées { $scope }
policy-rule-unknown-object = objet inconnu « { $object } »
policy-rule-object-out-of-scope = l’objet { $object } ne se trouve pas dans les portées { $scope }
policy-rule-unknown-action = action inconnue « { $action } »
policy-rule-value-not-allowed = { $attribute ->
        [visibility] la visibilité
        [membership-policy] la politique d’adhésion
        [state] l’état
       *[effect] l’effet
    } « { $value } » n’est pas l’une des valeurs { $allowed }
policy-rule-inheritance-cycle = l’héritage des rôles forme un cycle : { $cycle } (chaque rôle détiendrait tous les autres)
http-metrics-need-token = les métriques demandent le jeton des métriques
http-parameter-problem = { $parameter } : { $problem }
http-get-not-json = { $parameter } : pas un objet JSON dans l’URL : { $detail }
health-migrations-pending = des migrations de la base de données sont en attente
health-policy-not-loaded = la politique d’autorisation n’est pas chargée
health-database-unreachable = la base de données est injoignable
health-database-not-answering = la base de données ne répond pas à temps
oauth-client-authentication-failed = l’authentification du client a échoué
oauth-use-post = utilisez POST
oauth-too-many-attempts = trop de tentatives échouées : réessayez dans { $seconds } s
oauth-send-form = envoyez les paramètres en application/x-www-form-urlencoded
oauth-body-unreadable = le corps de la requête n’a pas pu être lu
oauth-body-too-large = le corps de la requête dépasse { $max } octets
oauth-parameter-repeated = { $parameter } est donné plus d’une fois
oauth-one-authentication = authentifiez le client d’une seule façon : HTTP Basic ou le corps, pas les deux
oauth-grant-type-missing = grant_type manque
oauth-grant-type-unsupported = seul l’octroi client_credentials est pris en charge
oauth-scope-unknown = les portées sont read, write et admin
oauth-scope-not-held = le client ne détient pas toutes les portées demandées
oauth-client-suspended = l’organisation ou le compte du client est suspendu
oauth-try-again-later = le jeton n’a pas pu être émis : réessayez plus tard
gql-parse-expected = attendu : { $expected }
gql-parse-unexpected = inattendu : { $unexpected }
gql-parse-unexpected-expected = inattendu : { $unexpected } ; attendu : { $expected }
gql-parse-unknown = erreur de syntaxe inconnue
gql-parse-rules-one = { $rule }
gql-parse-rules-two = { $first } ou { $last }
gql-parse-rules-many = { $first } ou { $last }
gql-parse-multiple-operations = le document contient plusieurs opérations
gql-parse-operation-twice = l’opération { $operation } est définie deux fois
gql-parse-fragment-twice = le fragment { $fragment } est défini deux fois
gql-parse-no-operation = le document ne contient aucune opération
gql-parse-recursion-limit = limite de récursion dépassée.
gql-parse-invalid-number = nombre invalide : { $reason }
gql-parse-number-too-large = trop grand pour le type attendu
gql-parse-number-too-small = trop petit pour le type attendu
