//! `maillage demo`: a small network drawn from the field documents in `shared/seeds`, so
//! a newcomer has something real to query. Loading it twice changes nothing.

use chrono::Utc;
use entity::{
    community, community_organization,
    enums::{
        CommunityRole, CommunityRoles, CreationMode, InteractionMode, MembershipPolicy, MembershipStatus,
        OrganizationKind, OrganizationRoleKind, ParticipationStatus, RecordStatus, Stage, SubgroupKind,
        SubgroupVisibility, Visibility,
    },
    membership, organization, organization_role, person, post, subgroup, thread,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use crate::{
    error::ServiceResult,
    i18n::Lang,
    service::{
        community::Eligibility,
        translation::{self, Owner, TranslationInput},
    },
};

struct Org {
    slug: &'static str,
    name: &'static str,
    kind: OrganizationKind,
    sector: &'static str,
    region: &'static str,
}

const ORGANIZATIONS: &[Org] = &[
    Org {
        slug: "inspq",
        name: "Institut national de santé publique du Québec",
        kind: OrganizationKind::PublicHealthInstitute,
        sector: "Santé publique",
        region: "Québec",
    },
    Org {
        slug: "cisss-monteregie-centre",
        name: "CISSS de la Montérégie-Centre",
        kind: OrganizationKind::HealthAndSocialServicesCentre,
        sector: "Santé et services sociaux",
        region: "Montérégie",
    },
    Org {
        slug: "ciusss-estrie-chus",
        name: "CIUSSS de l'Estrie – CHUS",
        kind: OrganizationKind::HealthAndSocialServicesCentre,
        sector: "Santé et services sociaux",
        region: "Estrie",
    },
    Org {
        slug: "cau-csss-iugs",
        name: "Centre affilié universitaire du CSSS-IUGS",
        kind: OrganizationKind::UniversityCentre,
        sector: "Recherche et transfert de connaissances",
        region: "Estrie",
    },
    Org {
        slug: "alliance-sante-communautaire",
        name: "Alliance des centres de santé communautaires",
        kind: OrganizationKind::CommunityOrganization,
        sector: "Santé communautaire",
        region: "Ontario",
    },
];

struct Who {
    email: &'static str,
    name: &'static str,
    org: &'static str,
    job_title: &'static str,
    profession: &'static str,
    manager: bool,
}

const PEOPLE: &[Who] = &[
    Who {
        email: "marie.tremblay@inspq.example",
        name: "Marie Tremblay",
        org: "inspq",
        job_title: "Conseillère scientifique",
        profession: "Épidémiologie",
        manager: false,
    },
    Who {
        email: "jean.gagnon@inspq.example",
        name: "Jean Gagnon",
        org: "inspq",
        job_title: "Chef d'unité",
        profession: "Gestion",
        manager: true,
    },
    Who {
        email: "sophie.roy@monteregie.example",
        name: "Sophie Roy",
        org: "cisss-monteregie-centre",
        job_title: "Infirmière clinicienne",
        profession: "Soins infirmiers",
        manager: false,
    },
    Who {
        email: "luc.bouchard@monteregie.example",
        name: "Luc Bouchard",
        org: "cisss-monteregie-centre",
        job_title: "Chef de service",
        profession: "Gestion",
        manager: true,
    },
    Who {
        email: "david.fortin@monteregie.example",
        name: "David Fortin",
        org: "cisss-monteregie-centre",
        job_title: "Conseiller en sécurité de l'information",
        profession: "Technologies de l'information",
        manager: false,
    },
    Who {
        email: "amelie.cote@estrie.example",
        name: "Amélie Côté",
        org: "ciusss-estrie-chus",
        job_title: "Travailleuse sociale",
        profession: "Travail social",
        manager: false,
    },
    Who {
        email: "nathalie.pelletier@estrie.example",
        name: "Nathalie Pelletier",
        org: "ciusss-estrie-chus",
        job_title: "Gestionnaire",
        profession: "Gestion",
        manager: true,
    },
    Who {
        email: "francois.lavoie@cau.example",
        name: "François Lavoie",
        org: "cau-csss-iugs",
        job_title: "Agent de planification, programmation et recherche",
        profession: "Organisation communautaire",
        manager: false,
    },
    Who {
        email: "karine.morin@alliance.example",
        name: "Karine Morin",
        org: "alliance-sante-communautaire",
        job_title: "Coordonnatrice",
        profession: "Santé communautaire",
        manager: true,
    },
];

/// (author e-mail, body)
type Reply = (&'static str, &'static str);
/// (author e-mail, title, body, replies)
type DemoThread = (&'static str, &'static str, &'static str, &'static [Reply]);

/// A text in French and in English: the French is the thing's own text, and both become
/// its translations.
type Bilingual = (&'static str, &'static str);

struct Cop {
    slug: &'static str,
    name: Bilingual,
    description: Bilingual,
    field: &'static str,
    visibility: Visibility,
    policy: MembershipPolicy,
    creation: CreationMode,
    interaction: InteractionMode,
    stage: Stage,
    sponsor_approval: bool,
    open_to_all: bool,
    professions: &'static [&'static str],
    /// (organization slug, sponsor e-mail)
    organizations: &'static [(&'static str, Option<&'static str>)],
    /// (e-mail, roles)
    members: &'static [(&'static str, &'static [CommunityRole])],
    subgroups: &'static [(&'static str, SubgroupKind)],
    threads: &'static [DemoThread],
}

use CommunityRole::{Administrator, Animator, ContentExpert, Founder, ItResource, Member, Mentor, Reporter, Watcher};

const COMMUNITIES: &[Cop] = &[
    Cop {
        slug: "interventions-de-milieu",
        name: ("Interventions de milieu", "Neighbourhood outreach interventions"),
        description: (
            "Réfléchir aux interventions de milieu des CSSS, s'approprier la méthode, améliorer les pratiques cliniques et co-construire une stratégie de transfert.",
            "Reflecting on outreach interventions, appropriating the method, improving clinical practice and co-developing a knowledge-transfer strategy.",
        ),
        field: "Intervention de milieu",
        visibility: Visibility::Network,
        policy: MembershipPolicy::Approval,
        creation: CreationMode::Intentional,
        interaction: InteractionMode::Hybrid,
        stage: Stage::Maturing,
        sponsor_approval: true,
        open_to_all: false,
        professions: &["Travail social", "Soins infirmiers", "Organisation communautaire"],
        organizations: &[
            ("cau-csss-iugs", None),
            ("cisss-monteregie-centre", Some("luc.bouchard@monteregie.example")),
            ("ciusss-estrie-chus", Some("nathalie.pelletier@estrie.example")),
        ],
        members: &[
            ("francois.lavoie@cau.example", &[Founder, Animator]),
            ("sophie.roy@monteregie.example", &[Member]),
            ("amelie.cote@estrie.example", &[Member, Reporter]),
        ],
        subgroups: &[("Itinérance et milieux de vie", SubgroupKind::InterestGroup)],
        threads: &[(
            "francois.lavoie@cau.example",
            "Plan d'action 2026-2027",
            "Voici la proposition de plan d'action annuel : six rencontres de trois heures, dans le respect des 24 heures allouées.",
            &[
                (
                    "sophie.roy@monteregie.example",
                    "D'accord pour six rencontres ; pourrions-nous en tenir une en présence à Longueuil ?",
                ),
                ("amelie.cote@estrie.example", "Je peux préparer le rapport annuel avec l'animateur."),
            ],
        )],
    },
    Cop {
        slug: "protection-renseignements-personnels",
        name: ("Protection des renseignements personnels", "Privacy"),
        description: (
            "Communauté ouverte : rencontres virtuelles mensuelles sur la protection des renseignements personnels dans le réseau.",
            "Open community meeting monthly online about privacy in the network.",
        ),
        field: "Protection des renseignements personnels",
        visibility: Visibility::Public,
        policy: MembershipPolicy::Open,
        creation: CreationMode::Spontaneous,
        interaction: InteractionMode::Virtual,
        stage: Stage::Coalescing,
        sponsor_approval: false,
        open_to_all: true,
        professions: &[],
        organizations: &[("inspq", Some("jean.gagnon@inspq.example")), ("cisss-monteregie-centre", None)],
        members: &[
            ("marie.tremblay@inspq.example", &[Founder, Animator]),
            ("sophie.roy@monteregie.example", &[Member]),
            ("david.fortin@monteregie.example", &[Member, ContentExpert]),
        ],
        subgroups: &[("Comité de la charte", SubgroupKind::WorkingGroup)],
        threads: &[(
            "marie.tremblay@inspq.example",
            "Rencontre mensuelle de décembre",
            "Ordre du jour : évaluation des facteurs relatifs à la vie privée (EFVP) pour les nouveaux projets.",
            &[("david.fortin@monteregie.example", "J'apporterai le gabarit d'EFVP que nous utilisons en Montérégie.")],
        )],
    },
    Cop {
        slug: "securite-ti",
        name: ("Sécurité des technologies de l'information", "IT security"),
        description: (
            "Communauté sur invitation des responsables de la sécurité de l'information.",
            "Invitation-only community of information-security officers.",
        ),
        field: "Sécurité de l'information",
        visibility: Visibility::Members,
        policy: MembershipPolicy::Invitation,
        creation: CreationMode::Intentional,
        interaction: InteractionMode::Virtual,
        stage: Stage::Potential,
        sponsor_approval: false,
        open_to_all: false,
        professions: &["Technologies de l'information"],
        organizations: &[("cisss-monteregie-centre", Some("luc.bouchard@monteregie.example")), ("inspq", None)],
        members: &[
            ("david.fortin@monteregie.example", &[Founder, Animator, ItResource]),
            ("marie.tremblay@inspq.example", &[Watcher]),
        ],
        subgroups: &[],
        threads: &[(
            "david.fortin@monteregie.example",
            "Hameçonnage ciblé : retour d'expérience",
            "Partage des indicateurs de la campagne de novembre (diffusion restreinte aux membres).",
            &[],
        )],
    },
    Cop {
        slug: "approvisionnement-plus-sur",
        name: ("Approvisionnement plus sûr", "Safer supply"),
        description: (
            "Communauté nationale et ouverte sur l'approvisionnement plus sûr en substances.",
            "National open community of practice on safer supply.",
        ),
        field: "Réduction des méfaits",
        visibility: Visibility::Public,
        policy: MembershipPolicy::Open,
        creation: CreationMode::Spontaneous,
        interaction: InteractionMode::Virtual,
        stage: Stage::Momentum,
        sponsor_approval: false,
        open_to_all: true,
        professions: &[],
        organizations: &[("alliance-sante-communautaire", Some("karine.morin@alliance.example")), ("inspq", None)],
        members: &[
            ("karine.morin@alliance.example", &[Founder, Animator]),
            ("marie.tremblay@inspq.example", &[Member, ContentExpert]),
            ("amelie.cote@estrie.example", &[Member]),
        ],
        subgroups: &[],
        threads: &[(
            "karine.morin@alliance.example",
            "Ressources pour les nouveaux programmes",
            "Quels outils d'évaluation utilisez-vous pour les programmes d'approvisionnement plus sûr ?",
            &[(
                "marie.tremblay@inspq.example",
                "L'INSPQ publie une synthèse des indicateurs ; je la dépose ici dès sa parution.",
            )],
        )],
    },
    Cop {
        slug: "experiences-adverses-enfance",
        name: ("Expériences adverses de l'enfance et résilience", "ACEs and resilience"),
        description: (
            "Partager les connaissances sur les expériences adverses de l'enfance et la résilience.",
            "Sharing knowledge on adverse childhood experiences and resilience.",
        ),
        field: "Développement de l'enfant",
        visibility: Visibility::Network,
        policy: MembershipPolicy::Approval,
        creation: CreationMode::Intentional,
        interaction: InteractionMode::Hybrid,
        stage: Stage::Potential,
        sponsor_approval: false,
        open_to_all: true,
        professions: &[],
        organizations: &[
            ("inspq", Some("jean.gagnon@inspq.example")),
            ("ciusss-estrie-chus", Some("nathalie.pelletier@estrie.example")),
        ],
        members: &[
            ("marie.tremblay@inspq.example", &[Founder, Animator, Administrator]),
            ("amelie.cote@estrie.example", &[Member, Mentor]),
            ("sophie.roy@monteregie.example", &[Watcher]),
        ],
        subgroups: &[],
        threads: &[],
    },
];

/// Loads the demo network; returns a one-paragraph summary of what is there.
pub async fn load(db: &DatabaseConnection) -> ServiceResult<String> {
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let mut created = 0usize;
    for o in ORGANIZATIONS {
        if org_id(&txn, o.slug).await?.is_none() {
            organization::ActiveModel {
                slug: Set(o.slug.into()),
                name: Set(o.name.into()),
                kind: Set(o.kind),
                sector: Set(Some(o.sector.into())),
                region: Set(Some(o.region.into())),
                status: Set(RecordStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            created += 1;
        }
    }
    for w in PEOPLE {
        if person_id(&txn, w.email).await?.is_some() {
            continue;
        }
        let organization_id = org_id(&txn, w.org).await?;
        let p = person::ActiveModel {
            display_name: Set(w.name.into()),
            email: Set(w.email.into()),
            job_title: Set(Some(w.job_title.into())),
            profession: Set(Some(w.profession.into())),
            organization_id: Set(organization_id),
            status: Set(RecordStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        created += 1;
        let roles: &[OrganizationRoleKind] = if w.manager {
            &[OrganizationRoleKind::Member, OrganizationRoleKind::Manager]
        } else {
            &[OrganizationRoleKind::Member]
        };
        for role in roles {
            if let Some(organization_id) = organization_id {
                organization_role::ActiveModel {
                    person_id: Set(p.id),
                    organization_id: Set(organization_id),
                    role: Set(*role),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    for c in COMMUNITIES {
        let exists = community::Entity::find().filter(community::Column::Slug.eq(c.slug)).one(&txn).await?;
        if exists.is_some() {
            continue;
        }
        created += 1;
        load_community(&txn, c).await?;
    }
    txn.commit().await?;
    Ok(if created == 0 {
        "The demo network is already loaded.".to_owned()
    } else {
        format!(
            "Loaded the demo network: {} organizations, {} people, {} communities. \
             Try: maillage token --email marie.tremblay@inspq.example",
            ORGANIZATIONS.len(),
            PEOPLE.len(),
            COMMUNITIES.len()
        )
    })
}

async fn load_community<C: ConnectionTrait>(txn: &C, c: &Cop) -> ServiceResult<()> {
    let now = Utc::now();
    let founder = match c.members.first() {
        Some((email, _)) => person_id(txn, email).await?,
        None => None,
    };
    let eligibility =
        Eligibility { professions: c.professions.iter().map(|p| (*p).to_owned()).collect(), ..Default::default() };
    let translations = [(Lang::Fr, c.name.0, c.description.0), (Lang::En, c.name.1, c.description.1)].map(
        |(lang, name, description)| TranslationInput {
            language: lang.tag().to_owned(),
            name: name.to_owned(),
            description: Some(description.to_owned()),
        },
    );
    let translations = translation::validated(Owner::Community, &translations)?;
    let cop = community::ActiveModel {
        slug: Set(c.slug.into()),
        name: Set(c.name.0.into()),
        description: Set(c.description.0.into()),
        field_of_knowledge: Set(Some(c.field.into())),
        visibility: Set(c.visibility),
        membership_policy: Set(c.policy),
        creation_mode: Set(c.creation),
        interaction_mode: Set(c.interaction),
        stage: Set(c.stage),
        archived: Set(false),
        eligibility: Set(serde_json::to_value(&eligibility).unwrap_or_default()),
        sponsor_approval_required: Set(c.sponsor_approval),
        open_to_all_organizations: Set(c.open_to_all),
        created_by: Set(founder),
        created_at: Set(now),
        updated_at: Set(now),
        translated_into: Set(translation::languages_of(&translations)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    translation::replace(txn, Owner::Community, cop.id, &translations, None).await?;
    for (org, sponsor) in c.organizations {
        let Some(organization_id) = org_id(txn, org).await? else { continue };
        let sponsor_id = match sponsor {
            Some(email) => person_id(txn, email).await?,
            None => None,
        };
        community_organization::ActiveModel {
            community_id: Set(cop.id),
            organization_id: Set(organization_id),
            sponsor_id: Set(sponsor_id),
            status: Set(ParticipationStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    for (email, roles) in c.members {
        let Some(person_id) = person_id(txn, email).await? else { continue };
        let roles: CommunityRoles = roles.iter().copied().collect();
        membership::ActiveModel {
            community_id: Set(cop.id),
            person_id: Set(person_id),
            roles: Set(roles.0),
            status: Set(MembershipStatus::Active),
            decided_by: Set(founder),
            decided_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    for (name, kind) in c.subgroups {
        subgroup::ActiveModel {
            community_id: Set(cop.id),
            name: Set((*name).into()),
            description: Set(String::new()),
            kind: Set(*kind),
            visibility: Set(SubgroupVisibility::Community),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    for (author, title, body, replies) in c.threads {
        let Some(author_id) = person_id(txn, author).await? else { continue };
        let t = thread::ActiveModel {
            community_id: Set(cop.id),
            subgroup_id: Set(None),
            author_id: Set(author_id),
            title: Set((*title).into()),
            body: Set((*body).into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        for (author, body) in *replies {
            let Some(author_id) = person_id(txn, author).await? else { continue };
            post::ActiveModel {
                thread_id: Set(t.id),
                author_id: Set(author_id),
                body: Set((*body).into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

async fn org_id<C: ConnectionTrait>(db: &C, slug: &str) -> ServiceResult<Option<i32>> {
    Ok(organization::Entity::find().filter(organization::Column::Slug.eq(slug)).one(db).await?.map(|o| o.id))
}

async fn person_id<C: ConnectionTrait>(db: &C, email: &str) -> ServiceResult<Option<i32>> {
    Ok(person::Entity::find().filter(person::Column::Email.eq(email)).one(db).await?.map(|p| p.id))
}
