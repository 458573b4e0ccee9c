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

## Traductions des choses nommées

translation-language = doit être une étiquette de langue française ou anglaise (fr, en, fr-CA, en-GB…), et non « { $tag } »
translation-duplicate-language = donne la langue « { $language } » une seconde fois : chaque langue au plus une fois
translation-no-description = n'a pas de description à traduire ici : donnez seulement le nom
