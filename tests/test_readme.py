"""The README a newcomer reads: its table of who takes which workflow step matches the
workflows' ``Step`` declarations, and it points only at files inside the repository."""
from __future__ import annotations

import re
from pathlib import Path

from app.workflows import Workflow
from app.workflows.roles_table import roles_table_markdown, workflows

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Top-level folders and files of the repository a README path may start with.
REPO_PREFIXES = ("app/", "tests/", "seeds/", "scripts/", "bench/", "migrations/", ".ci/")


def test_role_table_matches_the_workflow_steps():
    block = re.search(r"<!-- workflow-roles:start -->\n(.*?)<!-- workflow-roles:end -->", README,
                      re.S)
    assert block, "README lacks the workflow-roles table"
    assert block.group(1) == roles_table_markdown(), (
        "README's role table is out of date: run `python -m app.workflows.roles_table` and "
        "paste its output between the workflow-roles markers")


def test_the_table_covers_every_workflow():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    workflows()  # imports every workflow module
    declared = {cls for cls in subclasses(Workflow) if getattr(cls, "steps", None)
                and cls.__module__.startswith("app.workflows")}
    assert declared == set(workflows())


def test_no_link_or_path_leaves_the_repository():
    assert "../" not in README, "a path outside the repository"
    # (deployment examples such as /srv, /etc, /opt or /tmp name the server's own paths)
    assert not re.search(r"(?<![\w.])/(work|home|Users)/", README), "a developer's path"
    for target in re.findall(r"\]\(([^)\s]+)\)", README):  # markdown links
        if re.match(r"(https?:|mailto:|#)", target):
            continue
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target
    for url in re.findall(r"<(https?://[^>]+)>", README):
        assert re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", url), url


def test_paths_named_in_the_readme_exist():
    missing = []
    for token in re.findall(r"`([^`\s]+)`", README):
        if not token.startswith(REPO_PREFIXES) or re.search(r"[<>*{}|]", token):
            continue
        path = token.split(":")[0].rstrip(".,;")
        if not (ROOT / path).exists():
            missing.append(token)
    assert missing == []
