"""The docs stay true: relative links resolve inside the repository, and every `make X` they show exists."""

from __future__ import annotations

from pathlib import Path

import check_docs


def test_the_repository_docs_have_no_broken_links_or_unknown_make_targets():
    assert check_docs.problems() == []


def test_the_check_reads_every_markdown_file_outside_local_state():
    names = {path.relative_to(check_docs.REPO_ROOT).as_posix() for path in check_docs.markdown_files()}
    assert {"README.md", "docs/deploy.md", "docs/upload.md"} <= names
    assert not any(name.startswith((".venv/", ".state/")) for name in names)


def test_it_catches_outside_missing_and_dangling_anchor_links_and_unknown_targets(tmp_path: Path):
    (tmp_path / "Makefile").write_text("up: bootstrap ## start\n\t@true\nbootstrap:\n\t@true\nVENV ?= .venv\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## Deploying it\n")
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Readme\nSee [guide](docs/guide.md#deploying-it), [web](https://example.com) and [top](#readme).\n"
        "Outside: [api](../shared/docs/api.md). Missing: [x](docs/missing.md). Anchor: [y](docs/guide.md#nope).\n"
        "Run `make up`, then `USE_DOCKER=0 make down` and `make -s lint`; make sure nothing else.\n"
        '<img src="docs/shot.png">\n'
        "```sh\nmake up      # fine\nmake deploy  # not a target\n```\n"
        "[ref]: docs/gone.md\n"
    )

    found = check_docs.problems(tmp_path, [readme])

    assert found == [
        "README.md: link ../shared/docs/api.md leaves the repository",
        "README.md: link docs/missing.md does not exist",
        "README.md: link docs/guide.md#nope: no heading #nope in docs/guide.md",
        "README.md: link docs/shot.png does not exist",
        "README.md: link docs/gone.md does not exist",
        "README.md: `make down` is not a Makefile target",
        "README.md: `make lint` is not a Makefile target",
        "README.md: `make deploy` is not a Makefile target",
    ]


def test_heading_anchors_follow_github():
    text = "# GopherTok Serverless\n## Python and dependencies\n### `make lock`, step 2!\n```\n# not a heading\n```\n"
    assert check_docs.heading_anchors(text) == {"gophertok-serverless", "python-and-dependencies", "make-lock-step-2"}


def test_pre_commit_runs_ruff_mypy_and_this_check_locally_without_downloading_hooks():
    import yaml

    config = yaml.safe_load((check_docs.REPO_ROOT / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy", "docs"} <= set(hooks)
    assert "infra/check_docs.py" in hooks["docs"]["entry"]
    for hook in hooks.values():
        assert hook["language"] == "system" and hook["entry"].startswith(".venv/bin/"), hook["id"]
        assert (check_docs.REPO_ROOT / hook["entry"].split()[0]).exists(), hook["entry"]
