"""The repository itself: no file carries a merge's conflict markers."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_tracked_file_has_conflict_markers():
    files = subprocess.run(  # noqa: S603
        ["git", "ls-files"],  # noqa: S607 - git from PATH, as CI clones with it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,  # noqa: S607
    ).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix in {".py", ".html", ".md", ".txt", ".js", ".css", ".csv", ".json", ""}:
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
                continue
            if MARKER.search(text):
                found.append(name)
    assert found == []
