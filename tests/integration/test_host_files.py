"""host_files writes a set of files in one run, as the roles use it: only what differs, a secret never shown, a
settings file the program refuses never replacing a good one, and check mode writing nothing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from lab.ansible import Run, adhoc

MODULE = "watchdog.alertmanager_kuma.host_files"
SECRET = "h0stFilesSecr3tQ9"


def _run(tmp_path: Path, args: dict, *extra: str) -> Run:
    return adhoc(json.dumps(args), "--diff", *extra, module=MODULE, cwd=tmp_path)


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def _args(root: Path, secret: str = SECRET) -> dict:
    return {
        "directories": {str(root / "etc"): "0700", str(root / "units" / "a.d"): "0755"},
        "files": {str(root / "units" / "a.d" / "x.conf"): "[Timer]\n", str(root / "bin-tool"): "#!/bin/sh\n"},
        "modes": {str(root / "bin-tool"): "0755"},
        "secrets": {str(root / "etc" / "a.json"): json.dumps({"push_url": f"http://k/api/push/{secret}"})},
        # The file must hold a push_url: a stand-in for the program's own --validate.
        "secrets_validate": "/usr/bin/grep -q push_url %s",
    }


def test_a_first_run_writes_everything_with_its_mode_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "host"

    first = _run(tmp_path, _args(root))

    assert first.result()["changed"] is True, first.output[-3000:]
    assert first.result()["changed_paths"] == sorted(
        [
            str(root / "etc"),
            str(root / "units" / "a.d"),
            str(root / "units" / "a.d" / "x.conf"),
            str(root / "bin-tool"),
            str(root / "etc" / "a.json"),
        ]
    )
    assert (_mode(root / "etc"), _mode(root / "etc" / "a.json"), _mode(root / "bin-tool")) == (
        "0o700",
        "0o600",
        "0o755",
    )
    assert _mode(root / "units" / "a.d" / "x.conf") == "0o644"
    assert SECRET in (root / "etc" / "a.json").read_text()
    assert SECRET not in first.output
    assert "+[Timer]" in first.output  # the diff shows a plain file

    rerun = _run(tmp_path, _args(root))
    assert (rerun.result()["changed"], rerun.result()["changed_paths"]) == (False, [])


def test_a_mode_or_content_changed_by_hand_is_put_back(tmp_path: Path) -> None:
    root = tmp_path / "host"
    _run(tmp_path, _args(root))
    os.chmod(root / "etc" / "a.json", 0o644)
    (root / "units" / "a.d" / "x.conf").write_text("edited\n")

    again = _run(tmp_path, _args(root))

    assert again.result()["changed_paths"] == [str(root / "etc" / "a.json"), str(root / "units" / "a.d" / "x.conf")]
    assert _mode(root / "etc" / "a.json") == "0o600"
    assert (root / "units" / "a.d" / "x.conf").read_text() == "[Timer]\n"


def test_a_secret_the_validator_refuses_fails_naming_the_file_and_keeps_the_good_one(tmp_path: Path) -> None:
    root = tmp_path / "host"
    _run(tmp_path, _args(root))
    good = (root / "etc" / "a.json").read_text()
    refused = dict(_args(root), secrets={str(root / "etc" / "a.json"): f'{{"token": "{SECRET}"}}'})

    failed = _run(tmp_path, refused)

    assert failed.result()["failed"] is True
    assert failed.result()["msg"].startswith(f"{root / 'etc' / 'a.json'}: refused by '/usr/bin/grep -q push_url %s'")
    assert (root / "etc" / "a.json").read_text() == good
    assert sorted(path.name for path in (root / "etc").iterdir()) == ["a.json"]
    assert SECRET not in failed.output


def test_check_mode_says_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "host"

    checked = _run(tmp_path, _args(root), "--check")

    assert checked.result()["changed"] is True
    assert len(checked.result()["changed_paths"]) == 5
    assert not root.exists()
    assert SECRET not in checked.output


def test_a_mode_that_is_not_octal_is_refused_naming_the_file(tmp_path: Path) -> None:
    root = tmp_path / "host"
    bad = dict(_args(root), modes={str(root / "bin-tool"): "rwx"})

    failed = _run(tmp_path, bad)

    assert failed.result()["msg"] == f"modes[{root / 'bin-tool'}]: 'rwx' is not an octal mode such as '0644'"
    assert not root.exists()
