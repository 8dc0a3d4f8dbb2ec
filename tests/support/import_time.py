"""What importing a function's handler costs, measured as Lambda would import it (``python -X importtime``).

Lambda starts a function with its code (/var/task), its layers (/opt/python) and the runtime's boto3
(/var/runtime) on ``sys.path``. ``lambda_path`` imitates that without building anything: the function's folder,
the layer's source and, for each layer and the runtime, a scratch folder of symlinks to this virtualenv's copy
of exactly the distributions that layer ships (its lock file; boto3 and its dependencies for the runtime).
Developer-only packages in the virtualenv (cryptography, say) stay out of sight, as they are on Lambda: an
optional import that would find them here (PyJWT tries cryptography) behaves as it does there.

``profile`` imports one module in a fresh ``python -X importtime -I -S`` (no site-packages, no PYTHON*
variables) with such a path and returns each module's self and cumulative microseconds.
"""

from __future__ import annotations

import compileall
import importlib.metadata
import re
import statistics
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from package import LAYERS, RUNTIME_PROVIDED, layer_requirements

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = REPO / "functions"
LAYER_CODE = LAYERS["shared"] / "python"  # the layer's own package (gophertok), as in /opt/python
RUNTIME = "runtime"
# One line of -X importtime: "import time:  <self µs> | <cumulative µs> | <2 spaces per level><module>"
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)$")
# What the Lambda runtime sets before importing a handler (values are placeholders; no module reads them at
# import today, but one that did would see what it sees on Lambda).
# Sets the path by literal assignment, so that nothing but builtins is imported before the target.
PROBE = """
import sys, time
sys.path[:0] = {path!r}
started = time.process_time_ns()
import {target}
sys.stderr.write(f"cpu-us: {{(time.process_time_ns() - started) // 1000}}\\n")
sys.stderr.write(f"loaded: {{' '.join(sorted(sys.modules))}}\\n")
"""
LAMBDA_ENVIRONMENT = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "TZ": ":UTC", "LANG": "en_US.UTF-8"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def pinned_distributions(lock: Path) -> set[str]:
    """Normalised names of the distributions a hashed lock file pins (``name==version`` lines)."""
    names = set()
    for line in lock.read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if found:
            names.add(_normalise(found.group(1)))
    return names


def shipped_distributions() -> dict[str, set[str]]:
    """Layer name (and ``runtime``) -> the distributions Lambda has on that part of sys.path."""
    shipped = {name: pinned_distributions(layer_requirements(source)) for name, source in LAYERS.items()}
    return {name: names - RUNTIME_PROVIDED for name, names in shipped.items()} | {RUNTIME: set(RUNTIME_PROVIDED)}


def _top_level_entries(distribution: str) -> set[Path]:
    """The top-level files and folders of an installed distribution (packages, modules, extension modules)."""
    dist = importlib.metadata.distribution(distribution)
    entries = set()
    for file in dist.files or ():
        top = file.parts[0]
        if top in {"..", "__pycache__"} or top.endswith((".dist-info", ".data")):
            continue
        entries.add(Path(str(dist.locate_file(top))))
    return entries


def link_site(destination: Path, distributions: Iterable[str]) -> Path:
    """Fill ``destination`` with symlinks to the installed files of ``distributions``; returns it."""
    destination.mkdir(parents=True, exist_ok=True)
    for distribution in sorted(distributions):
        for entry in _top_level_entries(distribution):
            link = destination / entry.name
            if not link.exists():
                link.symlink_to(entry, target_is_directory=entry.is_dir())
    return destination


def lambda_sites(scratch: Path) -> dict[str, Path]:
    """One folder per layer and one for the runtime, each showing only what it ships on Lambda."""
    return {name: link_site(scratch / name, names) for name, names in shipped_distributions().items()}


def lambda_path(function: str, layers: Sequence[str], sites: Mapping[str, Path]) -> list[str]:
    """``sys.path`` as Lambda builds it for ``function`` with ``layers``: code, layers, then the runtime."""
    path = [FUNCTIONS / function, LAYER_CODE, *(sites[layer] for layer in layers), sites[RUNTIME]]
    return [str(entry) for entry in path]


@dataclass(frozen=True)
class ImportProfile:
    """One fresh interpreter's import of ``target``, from its -X importtime report."""

    target: str
    # Every import attempt, in the order -X importtime reports them (a module after those it imported); failed
    # attempts (an optional dependency that is absent) are there too, with the time their search took.
    self_us: Mapping[str, int]  # module -> time spent in its own body
    cumulative_us: Mapping[str, int]  # module -> its body plus the modules it imported first
    depth: Mapping[str, int]  # module -> nesting level (0: imported by the probe itself)
    loaded: frozenset[str]  # sys.modules after the import: what was really imported
    cpu_us: int  # the process's CPU time spent importing the target: unlike wall time, not inflated by waiting
    # for a core on a loaded machine

    @property
    def total_us(self) -> int:
        """The import of the target and everything it pulled in (interpreter start-up excluded)."""
        return self.cumulative_us[self.target]

    @property
    def packages(self) -> frozenset[str]:
        """Top-level names of every module imported (start-up's included)."""
        return frozenset(name.split(".", 1)[0] for name in self.loaded)

    def imported(self, module: str) -> bool:
        """Whether ``module`` (or any of its submodules) was imported."""
        return any(name == module or name.startswith(module + ".") for name in self.loaded)

    def importer_of(self, module: str) -> str:
        """The module outside ``module``'s package whose import first pulled it (or a submodule) in."""
        names = list(self.self_us)

        def inside(name: str) -> bool:
            return name == module or name.startswith(module + ".")

        root = next(i for i, name in enumerate(names) if inside(name))
        for index in range(root + 1, len(names)):
            if self.depth[names[index]] < self.depth[names[root]]:  # the import that was under way
                if not inside(names[index]):
                    return names[index]
                root = index  # a package is reported inside its submodule's import: climb on
        return "the probe"

    def subtree_us(self, module: str) -> int:
        """Self time of ``module`` and all its submodules: what that package's own code cost."""
        return sum(us for name, us in self.self_us.items() if name == module or name.startswith(module + "."))


def parse_importtime(report: str, target: str) -> ImportProfile:
    """Read the -X importtime lines and PROBE's ``cpu-us:`` and ``loaded:`` lines of one run's stderr."""
    self_us: dict[str, int] = {}
    cumulative_us: dict[str, int] = {}
    depth: dict[str, int] = {}
    cpu_us, loaded = None, None
    for line in report.splitlines():
        found = LINE.match(line)
        if found and found.group(4) not in self_us:  # a failed import is tried again by every importer
            module = found.group(4)
            self_us[module], cumulative_us[module] = int(found.group(1)), int(found.group(2))
            depth[module] = len(found.group(3)) // 2
        elif line.startswith("cpu-us: "):
            cpu_us = int(line.split()[1])
        elif line.startswith("loaded: "):
            loaded = frozenset(line.split()[1:])
    if target not in cumulative_us or cpu_us is None or loaded is None:
        raise ValueError(f"no import of {target} in the -X importtime report:\n{report[-2000:]}")
    return ImportProfile(target, self_us, cumulative_us, depth, loaded, cpu_us)


def profile(path: Sequence[str], target: str = "app", python: str = sys.executable) -> ImportProfile:
    """Import ``target`` in a fresh ``python -X importtime -I -S`` whose sys.path starts with ``path``.

    ``python`` should be the interpreter whose site-packages the symlinks point into (its version's bytecode
    is what they hold). A failed import raises with its traceback.
    """
    code = PROBE.format(path=list(path), target=target)
    environment = dict(LAMBDA_ENVIRONMENT)
    if target == "app":
        function_dir = Path(path[0])
        environment |= {"AWS_LAMBDA_FUNCTION_NAME": function_dir.name, "LAMBDA_TASK_ROOT": str(function_dir)}
    done = subprocess.run(
        [python, "-X", "importtime", "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"importing {target} from {path} failed:\n{done.stderr[-3000:]}")
    return parse_importtime(done.stderr, target)


BASELINE = "boto3"  # the name of the bare `import boto3` runs in ``measure``'s result


def compile_code() -> None:
    """Compile the layer and the handlers with this interpreter, as the layer ships its bytecode: otherwise the
    first probe to import a module would pay for compiling it."""
    for folder in (LAYER_CODE, FUNCTIONS):
        compileall.compile_dir(folder, quiet=1)


def _interleaved(
    functions: Sequence[str], layers: Mapping[str, Sequence[str]], sites: Mapping[str, Path], rounds: int, every: int
) -> Iterator[tuple[str, ImportProfile]]:
    for round_number in range(rounds):
        order = functions if round_number % 2 == 0 else functions[::-1]  # no function always runs first
        for index, function in enumerate(order):
            if index % every == 0:
                yield BASELINE, profile([str(sites[RUNTIME])], "boto3")
            yield function, profile(lambda_path(function, layers[function], sites))


def measure(
    functions: Sequence[str],
    layers: Mapping[str, Sequence[str]],
    sites: Mapping[str, Path],
    rounds: int = 3,
    baseline_every: int = 3,
) -> dict[str, list[ImportProfile]]:
    """``rounds`` profiles of each function and bare ``import boto3`` runs (under BASELINE) spread among them
    (one before every ``baseline_every`` functions), so that a change in the machine's load affects both."""
    compile_code()
    runs: dict[str, list[ImportProfile]] = {}
    for name, found in _interleaved(functions, layers, sites, rounds, baseline_every):
        runs.setdefault(name, []).append(found)
    return runs


def median_cpu_us(profiles: Sequence[ImportProfile]) -> float:
    return statistics.median(found.cpu_us for found in profiles)


def median_wall_us(profiles: Sequence[ImportProfile]) -> float:
    return statistics.median(found.total_us for found in profiles)
