"""Every package requirements.in asks for is used: imported by the code, its tests or migrations, or
named as a command in the Makefile or CI. A package nobody uses any more fails here by name."""

import ast
import re
from importlib.metadata import entry_points, packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_SOURCES = ["app", "tests", "scripts", "migrations", "wsgi.py", "config.py"]
COMMAND_FILES = ["Makefile", ".ci/run"]


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_requirements(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line).group(0))
    return names


def imported_modules() -> set[str]:
    """The top-level name of every absolute import in the project's Python files."""
    modules = set()
    for source in PYTHON_SOURCES:
        path = ROOT / source
        for file in [path] if path.is_file() else path.rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text(), filename=str(file))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    return modules


def installed_names() -> dict[str, set[str]]:
    """For each installed distribution, what it is called in code and on the command line: its
    import names (from the installed metadata) and its console scripts."""
    names: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            names.setdefault(normalize(dist), set()).add(module)
    for script in entry_points(group="console_scripts"):
        if script.dist is not None:
            names.setdefault(normalize(script.dist.name), set()).add(script.name)
    return names


def test_every_direct_requirement_is_used():
    imports, installed = imported_modules(), installed_names()
    commands = "\n".join((ROOT / f).read_text() for f in COMMAND_FILES)
    unused = []
    for requirement in direct_requirements(ROOT / "requirements.in"):
        wanted = normalize(requirement)
        names = {requirement, wanted, wanted.replace("-", "_"), *installed.get(wanted, ())}
        named = any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", commands) for name in names)
        if not (names & imports or named):
            unused.append(requirement)
    assert unused == [], (
        f"requirements.in lists {', '.join(unused)}, but nothing imports it and neither the Makefile nor "
        ".ci/run names it: remove it from requirements.in and run `make lock`"
    )


def test_the_lock_files_pin_every_package_with_a_hash():
    for lock in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / lock).read_text()
        pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ \\\n(?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+", text, re.M)
        requirements = re.findall(r"^[A-Za-z0-9]", text, re.M)
        assert pins and len(pins) == len(requirements), f"{lock}: a package without ==version and --hash"
