"""Check that the Markdown docs stay true to the repository (run by the test suite and pre-commit).

- every relative link (``[text](path)``, ``[ref]: path``, ``<img src="path">``) resolves to a file or folder
  inside the repository, and a ``#fragment`` into a Markdown file names one of its headings;
- every ``make <target>`` written in code (inline or fenced) is a target of the Makefile.

    .venv/bin/python infra/check_docs.py      # prints one line per problem; exit status 1 if any
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = {
    ".git",
    ".state",
    ".venv",
    "node_modules",
    "build",
    ".aws-sam",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
}

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_HTML_LINK = re.compile(r"""<(?:a|img)\b[^>]*?\b(?:href|src)=["']([^"']+)["']""", re.IGNORECASE)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_MAKE = re.compile(r"(?:^|[\s;&|(])make\s+((?:-\S+\s+|[A-Z_][A-Z0-9_]*=\S*\s+)*)([a-z][a-z0-9_-]*)")
_TARGET = re.compile(r"^([a-zA-Z][\w-]*)\s*:(?!=)", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def markdown_files(root: Path = REPO_ROOT) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.md")
        if not SKIPPED_DIRS.intersection(part for part in path.relative_to(root).parts[:-1])
    )


def _prose_and_code(text: str) -> Iterator[tuple[str, bool]]:
    """(line, inside a fenced code block) for every line."""
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        yield line, fenced


def links(text: str) -> list[str]:
    found: list[str] = []
    for line, fenced in _prose_and_code(text):
        if fenced:
            continue
        prose = _CODE_SPAN.sub("", line)
        found += _INLINE_LINK.findall(prose) + _HTML_LINK.findall(prose)
        reference = _REFERENCE_LINK.match(prose)
        if reference:
            found.append(reference[1])
    return found


def make_targets(text: str) -> list[str]:
    """Targets of ``make`` commands written as code: inline code spans and fenced blocks."""
    found: list[str] = []
    for line, fenced in _prose_and_code(text):
        snippets = [line] if fenced else [span for _, span in _CODE_SPAN.findall(line)]
        for snippet in snippets:
            found += [target for _, target in _MAKE.findall(snippet.split("#", 1)[0] if fenced else snippet)]
    return found


def makefile_targets(makefile: Path) -> set[str]:
    return set(_TARGET.findall(makefile.read_text()))


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown text."""
    anchors: set[str] = set()
    for line, fenced in _prose_and_code(text):
        if fenced or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        slug = re.sub(r"[^\w\- ]", "", title.replace("`", "")).replace(" ", "-")
        anchors.add(slug)
    return anchors


def link_problem(source: Path, target: str, root: Path) -> str | None:
    """Why ``target`` (a link written in ``source``) is broken, or None."""
    if _EXTERNAL.match(target) or target.startswith("//"):
        return None
    path_part, _, fragment = target.partition("#")
    destination = (source.parent / path_part).resolve() if path_part else source.resolve()
    if not destination.is_relative_to(root.resolve()):
        return f"{target} leaves the repository"
    if not destination.exists():
        return f"{target} does not exist"
    if fragment and destination.suffix == ".md" and fragment not in heading_anchors(destination.read_text()):
        return f"{target}: no heading #{fragment} in {destination.relative_to(root.resolve())}"
    return None


def problems(root: Path = REPO_ROOT, files: Iterable[Path] | None = None) -> list[str]:
    targets = makefile_targets(root / "Makefile")
    found: list[str] = []
    for source in files if files is not None else markdown_files(root):
        text = source.read_text(encoding="utf-8")
        name = source.relative_to(root)
        for target in links(text):
            problem = link_problem(source, target, root)
            if problem:
                found.append(f"{name}: link {problem}")
        for target in make_targets(text):
            if target not in targets:
                found.append(f"{name}: `make {target}` is not a Makefile target")
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
