"""The import rules of docs/architecture.md ("Import rules"), checked against the code.

Every module of the three apps is parsed (`ast`), so an import inside a function counts as
much as one at the top, and a word in a string or a comment counts for nothing. A rule says
which modules may not import which; a broken rule names each module and what it imports.
"""

import ast
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("isotp", "referrals", "programme")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_sources() -> dict[str, str]:
    """Every module of the apps (migrations and management commands too), by dotted name."""
    return {
        module_name(path): path.read_text()
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
    }


def imports_of(module: str, source: str, *, is_package: bool = False) -> set[str]:
    """The dotted names a module imports: `import a.b` gives `a.b`, `from a.b import c` gives
    `a.b.c` (c may be a module or a name in it); a relative import is resolved against the
    module's package."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether the module (or a name in it) is one of the patterns or inside one; `*` stands
    for any dotted part, so `*.views` is every views module or package."""
    return any(
        fnmatchcase(name, pattern) or fnmatchcase(name, pattern + ".*") for pattern in patterns
    )


@dataclass(frozen=True)
class Rule:
    """Modules under `importers` never import a module under `imported`, except the modules
    under `allowed` (each rule says why)."""

    says: str
    importers: tuple[str, ...]
    imported: tuple[str, ...]
    allowed: tuple[str, ...] = ()

    def broken_by(self, module: str, imports: set[str]) -> list[str]:
        if not within(module, self.importers) or within(module, self.allowed):
            return []
        return sorted(name for name in imports if within(name, self.imported))


# The programme's sub-packages, each with the sub-packages it may import (docs/architecture.md):
# each may import the core (models, access, services, forms), referrals and isotp.
SUBPACKAGES = {
    "programme.reporting": (),
    "programme.documents": ("programme.reporting",),
    "programme.casework": ("programme.reporting",),
    "programme.auditing": ("programme.documents",),
}
# What wires the sub-packages in: URLs, the worker's tasks, management commands.
ENTRY_POINTS = ("programme.urls", "programme.tasks", "programme.management")

RULES = [
    Rule("referrals never imports programme", ("referrals",), ("programme",)),
    Rule(
        # The root URLs wire the apps in; settings name what they need by its dotted path.
        "isotp imports neither referrals nor programme",
        ("isotp",),
        ("referrals", "programme"),
        allowed=("isotp.urls",),
    ),
    Rule(
        "the programme's core never imports a sub-package",
        ("programme",),
        tuple(SUBPACKAGES),
        allowed=(*SUBPACKAGES, *ENTRY_POINTS),
    ),
    *[
        Rule(
            f"{package} imports no other sub-package"
            + (f" but {', '.join(allowed)}" if allowed else ""),
            (package,),
            tuple(other for other in SUBPACKAGES if other != package and other not in allowed),
        )
        for package, allowed in SUBPACKAGES.items()
    ],
    Rule(
        "views are imported by URL modules only",
        ("*",),
        tuple(f"{app}{middle}views" for app in APPS for middle in (".", ".*.")),
        allowed=("*.urls",),
    ),
]


# Writes live in services modules; a sub-package's other modules (but its views and URLs)
# only read, and never call a write.
SERVICES = ("*.services",)
READS = tuple(SUBPACKAGES)
NOT_READS = ("*.views", "*.urls", *SERVICES)
# Calls that change the database: `.update()` counts when called on a query (`...filter().update()`).
ORM_WRITES = {"save", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
ORM_WRITES |= {"delete", "select_for_update", "enqueue"}


def _changes_the_database(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if getattr(target, "attr", getattr(target, "id", "")) == "atomic":
            return True
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in ORM_WRITES or (
                method == "update" and isinstance(node.func.value, ast.Call)
            ):
                return True
        if isinstance(node, ast.With) and "atomic" in ast.unparse(node):
            return True
    return False


def writes_in(sources: dict[str, str]) -> set[str]:
    """The writes, by dotted name: each function of a services module that changes the
    database, or calls one that does, and the same names handed on by a package's face."""
    functions, calls, imported = {}, {}, {}
    for module, source in sources.items():
        if not within(module, SERVICES):
            continue
        tree = ast.parse(source)
        imported[module] = imports_of(module, source, is_package=_is_package(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                name = f"{module}.{node.name}"
                functions[name] = _changes_the_database(node)
                calls[name] = {
                    call.func.id
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                }
    writes = {name for name, changes in functions.items() if changes}
    while True:
        found = set(writes)
        for module, names in imported.items():
            # A name imported from a write is that write (`from .register import register_save`).
            found |= {f"{module}.{name.rpartition('.')[2]}" for name in names if name in writes}
        for name, called in calls.items():
            module = name.rpartition(".")[0]
            if any(f"{module}.{callee}" in found for callee in called):
                found.add(name)
        if found == writes:
            return writes
        writes = found


# One way to import a service: by name, from its module.
SERVICE_PACKAGES = ("programme.services",)


def imports_not_by_name_from_a_module(source: str) -> list[str]:
    """`from programme.services import x` and `import programme.services.x`: the ways to import
    a service other than `from programme.services.<module> import <name>`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in SERVICE_PACKAGES:
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if within(alias.name, SERVICE_PACKAGES))
    return found


def _is_package(module: str) -> bool:
    return (ROOT / module.replace(".", "/") / "__init__.py").exists()


def violations(sources: dict[str, str], rules: list[Rule] = RULES) -> list[str]:
    found = []
    writes = writes_in(sources)
    for module, source in sorted(sources.items()):
        imports = imports_of(module, source, is_package=_is_package(module))
        for rule in rules:
            found.extend(
                f"{module} imports {name}: {rule.says}" for name in rule.broken_by(module, imports)
            )
        found.extend(
            f"{module} imports {name}: a service is imported by name from its module"
            for name in imports_not_by_name_from_a_module(source)
        )
        if within(module, READS) and not within(module, NOT_READS):
            found.extend(
                f"{module} imports {name}: a module that reads never calls a write"
                for name in sorted(imports & writes)
            )
    return found


def test_every_module_keeps_the_import_rules():
    sources = project_sources()
    assert len(sources) > 100  # the apps were found
    assert violations(sources) == []


def test_the_check_finds_a_broken_rule_in_any_kind_of_import():
    broken = {
        "referrals.models": "from programme.models import Group",
        "referrals.views": "def view():\n    import programme.models\n",
        "isotp.context_processors": "from programme.casework.today import total_due",
        "isotp.templatetags.status_tags": "from referrals.models import ReferralStatus",
    }
    assert violations(broken) == [
        "isotp.context_processors imports programme.casework.today.total_due: "
        "isotp imports neither referrals nor programme",
        "isotp.templatetags.status_tags imports referrals.models.ReferralStatus: "
        "isotp imports neither referrals nor programme",
        "referrals.models imports programme.models.Group: referrals never imports programme",
        "referrals.views imports programme.models: referrals never imports programme",
    ]


SCHEDULING = """
from django.db import transaction

@transaction.atomic
def group_create(*, office):
    ...

def allocation_made(*, group):
    group.placements.create()

def placements_allocate(*, group):
    allocation_made(group=group)

def session_dates(start, count):
    return []
"""


def test_the_check_finds_a_broken_rule_between_the_programme_s_parts():
    broken = {
        "programme.services.scheduling": SCHEDULING,
        "programme.models": "from programme.casework.today import load",
        "programme.reporting.forecast": "from programme.casework import today",
        "programme.documents.services": (
            "from programme.documents.views.reports import attendance_record_context"
        ),
        "programme.views.groups": (
            "from programme.services import group_create\nimport programme.services.register"
        ),
        "programme.casework.today": "from programme.services.scheduling import placements_allocate",
        "programme.auditing.subject_access": (
            "from programme.documents.letters import letter_context\n"
            "from programme.casework.timeline import timeline_for"
        ),
    }
    assert violations(broken) == [
        "programme.auditing.subject_access imports programme.casework.timeline.timeline_for: "
        "programme.auditing imports no other sub-package but programme.documents",
        "programme.casework.today imports programme.services.scheduling.placements_allocate: "
        "a module that reads never calls a write",
        "programme.documents.services imports "
        "programme.documents.views.reports.attendance_record_context: "
        "views are imported by URL modules only",
        "programme.models imports programme.casework.today.load: "
        "the programme's core never imports a sub-package",
        "programme.reporting.forecast imports programme.casework.today: "
        "programme.reporting imports no other sub-package",
        "programme.views.groups imports programme.services.group_create: "
        "a service is imported by name from its module",
        "programme.views.groups imports programme.services.register: "
        "a service is imported by name from its module",
    ]


def test_a_write_is_a_service_that_changes_the_database_or_calls_one_that_does():
    writes = writes_in({"programme.services.scheduling": SCHEDULING})
    assert writes == {
        "programme.services.scheduling.group_create",
        "programme.services.scheduling.allocation_made",
        "programme.services.scheduling.placements_allocate",
    }


def test_what_is_allowed_is_not_reported():
    allowed = {
        "isotp.urls": "from programme.casework.views.today import home",
        "programme.casework.views.today": "from referrals.access import cases_open_to",
        "referrals.views": "from isotp.consultation import consulted\n'programme.models'",
        "programme.services.scheduling": SCHEDULING,
        "programme.casework.today": "from programme.services.scheduling import session_dates",
        "programme.casework.views.waiting_list": (
            "from programme.services.scheduling import placements_allocate\n"
            "from programme.reporting.forecast import attach_forecasts"
        ),
        "programme.tasks": "from programme.documents.services import bulk_print_run",
    }
    assert violations(allowed) == []


def test_a_relative_import_is_read_as_the_module_it_names():
    assert imports_of("referrals.views", "from ..programme import models") == {"programme.models"}
    assert "referrals.models" in imports_of("referrals.views", "from . import models")
