"""Unpacking a source's branch archive: only its data files, never outside the target folder."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from eventchat.store.sources.fetch import SourceFailed, unpack_archive


def _archive(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def test_only_the_data_folders_yaml_files_are_written(tmp_path: Path) -> None:
    payload = _archive(
        {
            "repo-main/conference/AI/aaai.yml": b"- title: AAAI\n",
            "repo-main/conference/types.yml": b"[]\n",
            "repo-main/README.md": b"# readme\n",
            "repo-main/conference/AI/notes.txt": b"not yaml\n",
            "repo-main/src/conference/AI/other.yml": b"[]\n",
        }
    )
    assert unpack_archive(payload, "conference", tmp_path) == 2
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["conference/AI/aaai.yml", "conference/types.yml"]
    assert (tmp_path / "conference/AI/aaai.yml").read_bytes() == b"- title: AAAI\n"


def test_no_member_lands_outside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    payload = _archive(
        {
            "repo-main/conference/../../evil.yml": b"x",
            "/abs/conference/AI/evil.yml": b"x",
            "repo-main/conference/AI/../../../evil.yml": b"x",
            "repo-main/conference/./AI/dot.yml": b"fine",  # "./" is no way out
        },
        links={"repo-main/conference/AI/link.yml": "/etc/passwd"},
    )
    assert unpack_archive(payload, "conference", target) == 1
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [target / "conference/AI/dot.yml"]


def test_a_broken_archive_is_one_clear_failure(tmp_path: Path) -> None:
    with pytest.raises(SourceFailed, match="cannot be unpacked"):
        unpack_archive(b"\x1f\x8b not really gzip", "conference", tmp_path)
