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
