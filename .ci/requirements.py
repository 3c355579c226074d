"""The pinned requirements of pyproject.toml, for `pip install -r`: the project's dependencies
and those of the extras named (`dev`, which includes `pgserver`). make installs these and not
the project itself: the app runs from its folder, and building it as an editable package (a
throwaway build environment, setuptools, a wheel) took a third of the install's time."""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    found = list(project["dependencies"])
    pending = list(extras)
    while pending:
        for requirement in optional[pending.pop()]:
            if requirement.startswith(f"{project['name']}["):
                pending.extend(requirement.split("[", 1)[1].rstrip("]").split(","))
            else:
                found.append(requirement)
    return found


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
