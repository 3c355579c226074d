"""The import rules of docs/architecture.md ("Import rules"), checked against the code.

Every module of the three apps is parsed (`ast`), so an import inside a function counts as
much as one at the top, and a word in a string or a comment counts for nothing. A rule says
which modules may not import which; a broken rule names each module and what it imports.
"""

import ast
from dataclasses import dataclass
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


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


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


RULES = [
    Rule("referrals never imports programme", ("referrals",), ("programme",)),
    Rule(
        # The root URLs wire the apps in; settings name what they need by its dotted path.
        "isotp imports neither referrals nor programme",
        ("isotp",),
        ("referrals", "programme"),
        allowed=("isotp.urls",),
    ),
]


def violations(sources: dict[str, str], rules: list[Rule] = RULES) -> list[str]:
    found = []
    for module, source in sorted(sources.items()):
        is_package = (ROOT / module.replace(".", "/") / "__init__.py").exists()
        imports = imports_of(module, source, is_package=is_package)
        for rule in rules:
            found.extend(
                f"{module} imports {name}: {rule.says}" for name in rule.broken_by(module, imports)
            )
    return found


def test_every_module_keeps_the_import_rules():
    sources = project_sources()
    assert len(sources) > 100  # the apps were found
    assert violations(sources) == []


def test_the_check_finds_a_broken_rule_in_any_kind_of_import():
    broken = {
        "referrals.models": "from programme.models import Group",
        "referrals.views": "def view():\n    import programme.services.scheduling\n",
        "isotp.context_processors": "from programme.services import today",
        "isotp.templatetags.status_tags": "from referrals.models import ReferralStatus",
    }
    assert violations(broken) == [
        "isotp.context_processors imports programme.services.today: "
        "isotp imports neither referrals nor programme",
        "isotp.templatetags.status_tags imports referrals.models.ReferralStatus: "
        "isotp imports neither referrals nor programme",
        "referrals.models imports programme.models.Group: referrals never imports programme",
        "referrals.views imports programme.services.scheduling: referrals never imports programme",
    ]


def test_what_is_allowed_is_not_reported():
    allowed = {
        "isotp.urls": "from programme.views.today import home",
        "programme.views.today": "from referrals.access import cases_open_to",
        "referrals.views": "from isotp.consultation import consulted\n'programme.models'",
    }
    assert violations(allowed) == []


def test_a_relative_import_is_read_as_the_module_it_names():
    assert imports_of("referrals.views", "from ..programme import models") == {"programme.models"}
    assert "referrals.models" in imports_of("referrals.views", "from . import models")
