"""The demo's data (`load_demo`): the San Francisco convening's agenda and its French titles, the
sample delegates, and which of them the focal points leave awaiting endorsement or decline."""

from registrations.models import AccessTier

SLUG = "san-francisco-convening"
TZ = "America/Los_Angeles"
GOV, OPEN = AccessTier.GOVERNMENT_ONLY, AccessTier.OPEN

# (day, start, end, title, tier, capacity, room, description)
AGENDA = [
    (
        0,
        "09:00",
        "09:45",
        "Opening plenary",
        OPEN,
        120,
        "Main hall",
        "Welcome by the hosts and the Network's mission statement.",
    ),
    (
        0,
        "10:00",
        "11:30",
        "Mission and priorities of the Network",
        GOV,
        40,
        "Presidio room",
        "Members agree the Network's priority areas for its first year.",
    ),
    (
        0,
        "10:00",
        "11:30",
        "Managing risks from synthetic content",
        OPEN,
        60,
        "Main hall",
        "Research agenda and funding for synthetic-content risk mitigation.",
    ),
    (
        0,
        "13:00",
        "14:30",
        "Joint testing of frontier models: lessons from the first exercise",
        GOV,
        6,
        "Room 2",
        "Results of the Network's first joint testing exercise.",
    ),
    (
        0,
        "15:00",
        "16:30",
        "Risk assessment science: methods and gaps",
        OPEN,
        5,
        "Room 3",
        "Experts from academia and civil society on the state of risk assessment.",
    ),
    (
        0,
        "16:45",
        "17:30",
        "Heads of delegation",
        GOV,
        12,
        "Presidio room",
        "Closed session of the heads of delegation.",
    ),
    (
        1,
        "09:00",
        "10:30",
        "Evaluations and benchmarks: a technical session",
        OPEN,
        8,
        "Room 3",
        "Shared methods for evaluating advanced AI systems.",
    ),
    (
        1,
        "09:00",
        "10:30",
        "Information-sharing protocols among institutes",
        GOV,
        25,
        "Presidio room",
        "How institutes share evaluation results securely.",
    ),
    (
        1,
        "11:00",
        "12:30",
        "Road to the Paris AI Action Summit",
        OPEN,
        100,
        "Main hall",
        "What the Network brings to the AI Action Summit in February 2025.",
    ),
    (
        1,
        "13:30",
        "15:00",
        "Joint statement drafting",
        GOV,
        30,
        "Presidio room",
        "Members finalize the joint statement.",
    ),
]

# The French text of each session, by its English title: (title, room, description).
FRENCH = {
    "Opening plenary": (
        "Séance plénière d'ouverture",
        "Grande salle",
        "Mot de bienvenue des hôtes et déclaration de mission du Réseau.",
    ),
    "Mission and priorities of the Network": (
        "Mission et priorités du Réseau",
        "Salle Presidio",
        "Les membres arrêtent les domaines prioritaires du Réseau pour sa première année.",
    ),
    "Managing risks from synthetic content": (
        "Gestion des risques liés aux contenus synthétiques",
        "Grande salle",
        "Programme de recherche et financement de la réduction des risques liés aux contenus synthétiques.",
    ),
    "Joint testing of frontier models: lessons from the first exercise": (
        "Essais conjoints de modèles de pointe\u00a0: enseignements du premier exercice",
        "Salle 2",
        "Résultats du premier exercice d'essais conjoints du Réseau.",
    ),
    "Risk assessment science: methods and gaps": (
        "Science de l'évaluation des risques\u00a0: méthodes et lacunes",
        "Salle 3",
        "Des experts du milieu universitaire et de la société civile font le point sur l'évaluation des risques.",
    ),
    "Heads of delegation": (
        "Chefs de délégation",
        "Salle Presidio",
        "Séance à huis clos des chefs de délégation.",
    ),
    "Evaluations and benchmarks: a technical session": (
        "Évaluations et bancs d'essai\u00a0: séance technique",
        "Salle 3",
        "Méthodes communes d'évaluation des systèmes d'IA avancés.",
    ),
    "Information-sharing protocols among institutes": (
        "Protocoles d'échange d'information entre instituts",
        "Salle Presidio",
        "Comment les instituts échangent leurs résultats d'évaluation en toute sécurité.",
    ),
    "Road to the Paris AI Action Summit": (
        "En route vers le Sommet pour l'action sur l'IA de Paris",
        "Grande salle",
        "Ce que le Réseau apporte au Sommet pour l'action sur l'IA de février 2025.",
    ),
    "Joint statement drafting": (
        "Rédaction de la déclaration commune",
        "Salle Presidio",
        "Les membres mettent au point la déclaration commune.",
    ),
}

EVENT_FRENCH = {
    "name_fr": "Réunion du Réseau international des instituts de sécurité de l'IA (San Francisco, démonstration)",
    "venue_fr": "Presidio Golden Gate Club, San Francisco",
    "address_fr": "135 Fisher Loop, San Francisco, CA 94129, États-Unis",
    "practical_information_fr": (
        "Les portes ouvrent à 8 h 15 chaque jour\u202f; munissez-vous d'une pièce d'identité officielle avec photo "
        "pour le contrôle de sécurité.\n"
        "Le lieu est accessible de plain-pied. Le déjeuner est servi sur place\u202f; "
        "indiquez vos besoins alimentaires sur votre page."
    ),
}

# Sample delegates whose emails are in French (by email address).
FRENCH_SPEAKERS = {
    "elodie.tremblay@ised-isde.gc.ca",
    "marc-andre.gagnon@ised-isde.gc.ca",
    "helene.dubois@numerique.gouv.fr",
    "francois.lefevre@inria.fr",
    "camille.moreau@example.edu",
    "isabelle.cote@example.ca",
    "chloe.bernard@example.com",
}

# (given, family, email local part or full address, type, ISO code or organization, job title, country)
DELEGATES = [
    ("Amelia", "Clarke", "amelia.clarke@industry.gov.au", "government", "AU", "Assistant Secretary", "AU"),
    ("Liam", "O'Connor", "liam.oconnor@gmail.example", "government", "AU", "Policy Officer", "AU"),
    ("Élodie", "Tremblay", "elodie.tremblay@ised-isde.gc.ca", "government", "CA", "Director", "CA"),
    ("Marc-André", "Gagnon", "marc-andre.gagnon@ised-isde.gc.ca", "government", "CA", "Senior Analyst", "CA"),
    ("Lucía", "Fernández", "lucia.fernandez@ec.europa.eu", "government", "EU", "Head of Unit", "BE"),
    ("Jan", "Kowalski", "jan.kowalski@ec.europa.eu", "government", "EU", "Policy Officer", "PL"),
    ("Hélène", "Dubois", "helene.dubois@numerique.gouv.fr", "government", "FR", "Conseillère", "FR"),
    ("François", "Lefèvre", "francois.lefevre@inria.fr", "government", "FR", "Directeur de recherche", "FR"),
    ("健太", "佐藤", "k.sato@ipa.go.jp", "government", "JP", "Director, J-AISI", "JP"),
    ("美咲", "田中", "m.tanaka@ipa.go.jp", "government", "JP", "Researcher", "JP"),
    ("Wanjiru", "Kamau", "w.kamau@ict.go.ke", "government", "KE", "Principal Secretary's Adviser", "KE"),
    ("Otieno", "Odhiambo", "otieno.odhiambo@ict.go.ke", "government", "KE", "ICT Officer", "KE"),
    ("지훈", "김", "jihoon.kim@etri.re.kr", "government", "KR", "Principal Researcher", "KR"),
    ("서연", "이", "seoyeon.lee@msit.go.kr", "government", "KR", "Deputy Director", "KR"),
    ("Wei Ling", "Tan", "weiling.tan@imda.gov.sg", "government", "SG", "Director", "SG"),
    ("Arjun", "Nair", "arjun.nair@ntu.edu.sg", "government", "SG", "Research Fellow", "SG"),
    ("Oliver", "Bennett", "oliver.bennett@dsit.gov.uk", "government", "GB", "Deputy Director", "GB"),
    ("Priya", "Shah", "priya.shah@aisi.gov.uk", "government", "GB", "Research Scientist", "GB"),
    ("Emily", "Johnson", "emily.johnson@nist.gov", "government", "US", "Program Manager", "US"),
    ("Michael", "Rivera", "michael.rivera@commerce.gov.evil.example", "government", "US", "Adviser", "US"),
    (
        "Sofia",
        "Rossi",
        "sofia.rossi@example.org",
        "civil_society",
        "Centre for Responsible Technology",
        "Programme Lead",
        "IT",
    ),
    ("Kwame", "Mensah", "kwame.mensah@example.org", "civil_society", "African AI Policy Forum", "Director", "GH"),
    ("Ingrid", "Johansson", "ingrid.johansson@example.org", "civil_society", "Nordic Digital Rights", "Counsel", "SE"),
    ("Mateo", "García", "mateo.garcia@example.org", "civil_society", "Fundación Datos Abiertos", "Researcher", "ES"),
    ("Zoë", "Müller", "zoe.mueller@example.org", "civil_society", "AlgorithmWatch Demo", "Policy Lead", "DE"),
    ("Ananya", "Iyer", "ananya.iyer@example.org", "civil_society", "Open Safety Collective", "Coordinator", "IN"),
    ("Noah", "Williams", "noah.williams@example.org", "civil_society", "Public Interest AI", "Analyst", "US"),
    ("Camille", "Moreau", "camille.moreau@example.edu", "academia", "Sorbonne Université", "Professor", "FR"),
    ("Hiroshi", "山本", "h.yamamoto@example.ac.jp", "academia", "University of Tokyo", "Associate Professor", "JP"),
    ("민준", "박", "minjun.park@example.ac.kr", "academia", "KAIST", "Professor", "KR"),
    ("Grace", "Ochieng", "grace.ochieng@example.ac.ke", "academia", "University of Nairobi", "Lecturer", "KE"),
    ("Thomas", "Wright", "thomas.wright@example.ac.uk", "academia", "University of Oxford", "Senior Fellow", "GB"),
    ("Isabelle", "Côté", "isabelle.cote@example.ca", "academia", "Mila", "Research Director", "CA"),
    ("Daniel", "Cohen", "daniel.cohen@example.edu", "academia", "Stanford University", "PhD Candidate", "US"),
    ("Sarah", "Lim", "sarah.lim@example.com", "industry", "Frontier Lab Inc.", "Head of Policy", "SG"),
    ("James", "Anderson", "james.anderson@example.com", "industry", "Model Systems Ltd", "Safety Lead", "GB"),
    ("Laura", "Schmidt", "laura.schmidt@example.com", "industry", "Compute GmbH", "Engineer", "DE"),
    ("Ryo", "鈴木", "ryo.suzuki@example.co.jp", "industry", "Kaisha AI K.K.", "Researcher", "JP"),
    ("Chloé", "Bernard", "chloe.bernard@example.com", "industry", "Start-up IA SAS", "CEO", "FR"),
    ("David", "Kim", "david.kim@example.com", "industry", "Cloud Scale Corp.", "Director", "US"),
]


# The focal point whose login `make run` prints (demo_admin).
DEMO_FOCAL_POINT = "focal-gb"
# Government delegates the focal points leave awaiting endorsement, and the one they decline.
AWAITING_ENDORSEMENT = {"michael.rivera@commerce.gov.evil.example", "arjun.nair@ntu.edu.sg"}
DECLINED = {"liam.oconnor@gmail.example": "Not a member of our institute's staff."}

# The visa letters' letterhead and terms on the demo event (English; other languages fall back).
VISA_LETTERHEAD = {
    "visa_host": "Host Secretariat of the International Network of AI Safety Institutes (demo)",
    "visa_host_address": "1401 Constitution Avenue NW\nWashington, DC 20230\nUnited States",
    "visa_signatory_name": "Jordan Avery",
    "visa_signatory_title": "Head of the Host Secretariat",
    "visa_purpose": "To take part, as a member's delegate, in the Network's convening in San Francisco.",
    "visa_covered": "Access to the venue, meals served during the sessions.",
    "visa_not_covered": "International travel, lodging, visa fees and insurance.",
}
# (email, issued?) of the demo's visa-letter requests: one issued, one waiting for a decision.
VISA_REQUESTS = [
    ("w.kamau@ict.go.ke", True, "KE", "AK0458211", "Consulate General of the United States, Nairobi"),
    ("grace.ochieng@example.ac.ke", False, "KE", "BK7723019", "Consulate General of the United States, Nairobi"),
]
