"""Where the probe sets are found: the checkout first, then a regular install's data folder."""

from __future__ import annotations

from pathlib import Path

from probes.assets import INSTALLED_SUBDIR, assets_root, find_assets


def _make(root: Path) -> Path:
    (root / "ice").mkdir(parents=True)
    return root


def test_the_checkout_wins_when_it_has_the_assets(tmp_path):
    repo = tmp_path / "repo"
    checkout = _make(repo / "assets")
    _make(tmp_path / "prefix" / INSTALLED_SUBDIR)
    assert find_assets(repo, [tmp_path / "prefix"]) == checkout


def test_a_wheel_install_finds_its_data_folder(tmp_path):
    installed = _make(tmp_path / "user" / INSTALLED_SUBDIR)
    found = find_assets(tmp_path / "site-packages", [tmp_path / "empty", tmp_path / "user"])
    assert found == installed


def test_missing_everywhere_names_the_checkout_path(tmp_path):
    assert find_assets(tmp_path / "repo", [tmp_path / "x"]) == tmp_path / "repo" / "assets"


def test_this_checkout_has_the_probe_sets():
    root = assets_root()
    assert (root / "ice" / "questions.jsonl").is_file() and (root / "rse" / "math.jsonl").is_file()
