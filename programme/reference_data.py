"""The programme's reference data: treatment targets and version 1 of each programme. (Bank
holidays come from the `holidays` package: programme.models.BankHoliday.objects.days_off().)

The migrations fill the tables with their historical models, so each `ensure_*` takes the
model classes; `ensure_all_reference_data` fills every table, the referrals app's too, with
today's models, after they were emptied (the data generator, the tests' transactional cases).
"""

# Not in our source: a starting list for the treatment manager to confirm against the
# programme manual in the admin. Reports record progress against whatever is listed.
TREATMENT_TARGETS = {
    "isotp": [
        "Motivation to change and understanding of his offending",
        "Victim empathy and the harm of indecent images",
        "Relationships and intimacy",
        "Managing emotions and problem solving",
        "Managing sexual interests and internet use",
        "Relapse prevention and a good life plan",
    ],
}


def ensure_treatment_targets(Programme, TreatmentTarget) -> None:
    """Create the listed treatment targets that are missing; safe to run again."""
    for code, names in TREATMENT_TARGETS.items():
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            continue
        for number, name in enumerate(names, 1):
            TreatmentTarget.objects.get_or_create(
                programme=programme, number=number, defaults={"name": name}
            )


# Version 1 of each programme's template: its modules and named sessions, in order. Not in
# our source, which names no session: i-SOTP's modules are its six treatment targets (above),
# the session titles are a plain starting list, and N-SOGP's are placeholders like its figures
# (referrals/reference_data.py). Each version's notes say so; admins correct them in the
# admin by copying version 1 into version 2 and editing the copy.
SESSION_PLANS = {
    "isotp": [
        (
            TREATMENT_TARGETS["isotp"][0],
            [
                "Welcome, group agreement and what the programme asks",
                "Why change? His goals and what gets in the way",
                "His offending: the story so far",
                "Responsibility and the excuses that hide it",
                "The cycle of offending online",
                "Reviewing the first module",
            ],
        ),
        (
            TREATMENT_TARGETS["isotp"][1],
            [
                "The children in the images are real victims",
                "Harm done by viewing, sharing and collecting",
                "Thinking that minimises harm",
                "Seeing it from the victim's side",
                "The harm to his own family and community",
                "Reviewing the second module",
            ],
        ),
        (
            TREATMENT_TARGETS["isotp"][2],
            [
                "Relationships in his life",
                "Intimacy, loneliness and the internet",
                "Healthy and unhealthy relationships",
                "Attitudes to sex and to women and children",
                "Building support and friendships offline",
                "Reviewing the third module",
            ],
        ),
        (
            TREATMENT_TARGETS["isotp"][3],
            [
                "Recognising feelings",
                "Stress, low mood and the urge to go online",
                "Managing anger and frustration",
                "Solving problems step by step",
                "Asking for help",
                "Reviewing the fourth module",
            ],
        ),
        (
            TREATMENT_TARGETS["isotp"][4],
            [
                "Sexual interests and fantasy",
                "Compulsive internet use",
                "Managing sexual thoughts and urges",
                "Safe use of the internet and devices",
                "Secrecy, chat and sharing online",
                "Reviewing the fifth module",
            ],
        ),
        (
            TREATMENT_TARGETS["isotp"][5],
            [
                "Warning signs and high-risk situations",
                "Building his relapse prevention plan",
                "A good life: goals, work and relationships",
                "Presenting his plan to the group",
                "Endings and the work after the group",
            ],
        ),
    ],
    "nsogp": [
        (
            "Starting the group and motivation to change",
            [
                "Welcome and group agreement",
                "His goals and reasons to change",
                "What the programme asks of him",
                "Reviewing the first module",
            ],
        ),
        (
            "Understanding his offending",
            [
                "His offending: the story so far",
                "Thoughts, feelings and choices before offending",
                "Responsibility and the excuses that hide it",
                "The offence chain",
                "Patterns across his offending",
                "Reviewing the second module",
            ],
        ),
        (
            "Victim awareness and empathy",
            [
                "Who is harmed by sexual offending",
                "The harm done, now and later",
                "Thinking that minimises harm",
                "Seeing it from the victim's side",
                "Reviewing the third module",
            ],
        ),
        (
            "Attitudes and thinking that support offending",
            [
                "Attitudes to sex and consent",
                "Entitlement and control",
                "Challenging unhelpful thinking",
                "Sexual interests and fantasy",
                "Managing sexual thoughts and urges",
                "Reviewing the fourth module",
            ],
        ),
        (
            "Relationships, intimacy and emotions",
            [
                "Relationships in his life",
                "Intimacy and loneliness",
                "Recognising and managing feelings",
                "Solving problems and asking for help",
                "Reviewing the fifth module",
            ],
        ),
        (
            "Relapse prevention and a good life",
            [
                "Warning signs and high-risk situations",
                "Building his relapse prevention plan",
                "A good life: goals, work and relationships",
                "Support after the group",
                "Presenting his plan to the group",
                "Reviewing his progress",
                "Practising his plan",
                "Setbacks and what to do",
                "Endings and the work after the group",
            ],
        ),
    ],
}

SESSION_PLAN_NOTES = {
    "isotp": (
        "STARTING LIST, TO CONFIRM: our source names no session. The modules are i-SOTP's six "
        "treatment targets; the session titles are a plain starting list. Confirm them against "
        "the i-SOTP manual: copy this version as a new version and correct the copy."
    ),
    "nsogp": (
        "PLACEHOLDER LIST, TO CONFIRM: our source names no N-SOGP module or session (and its "
        "figures are placeholders too). Set them from the N-SOGP manual: copy this version as a "
        "new version and correct the copy."
    ),
}
# A session the list does not name (a programme with more sessions than the list, or a
# programme an admin added, which has no list here).
UNNAMED_SESSION = "Session to name from the programme manual"
UNNAMED_PLAN = [("Module to name from the programme manual", [])]
UNNAMED_NOTES = (
    "PLACEHOLDER, TO NAME: made when the app started keeping programme versions, for the "
    "groups already formed. Name the modules and sessions from the programme manual: copy "
    "this version as a new version and correct the copy."
)


def ensure_programme_versions(
    Programme, ProgrammeVersion, ProgrammeModule, ProgrammeSession, *, sessions_needed=None
) -> None:
    """Create version 1 of the template of each programme that has no version (from its
    plan above; placeholders for a programme not listed); safe to run again (a version that
    exists is never touched: a group may run it). It has the programme's number of sessions, or `sessions_needed[code]` if more (the data migration
    names the sessions of groups formed before there were versions): unnamed ones at the end
    are placeholders in the last module, and a list longer than the programme is cut."""
    for programme in Programme.objects.filter(versions__isnull=True):
        code = programme.code
        plan = SESSION_PLANS.get(code, UNNAMED_PLAN)
        count = max(programme.sessions, (sessions_needed or {}).get(code, 0))
        version = ProgrammeVersion.objects.create(
            programme=programme, number=1, notes=SESSION_PLAN_NOTES.get(code, UNNAMED_NOTES)
        )
        titles = []
        for number, (module_title, session_titles) in enumerate(plan, 1):
            module = ProgrammeModule.objects.create(
                version=version, number=number, title=module_title
            )
            titles += [(module, title) for title in session_titles]
        titles = titles[:count]
        titles += [(module, UNNAMED_SESSION)] * (count - len(titles))
        ProgrammeSession.objects.bulk_create(
            ProgrammeSession(version=version, number=number, module=module, title=title)
            for number, (module, title) in enumerate(titles, 1)
        )


def ensure_all_reference_data() -> None:
    # Imported here, not above: the migrations import this module before the models exist.
    from programme.models import (
        ProgrammeModule,
        ProgrammeSession,
        ProgrammeVersion,
        TreatmentTarget,
    )
    from referrals.models import ClosingReason, Programme, StatusTransition
    from referrals.reference_data import ensure_reference_data

    ensure_reference_data(Programme, StatusTransition, ClosingReason)
    ensure_treatment_targets(Programme, TreatmentTarget)
    ensure_programme_versions(Programme, ProgrammeVersion, ProgrammeModule, ProgrammeSession)
