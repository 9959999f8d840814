"""The report collection as files: add an uploaded report to the corpus folder and index it,
or remove one (its file moves to data/removed, so nothing is lost)."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Callable

from .errors import AssistantError, Reason, UnsupportedFileError, UploadOutsideFolderError
from .index import Index
from .ingest import IngestResult, ingest, remove
from .loaders import SUFFIXES
from .settings import Settings

log = logging.getLogger(__name__)
UPLOAD_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html")  # what the app offers (loaders read .htm too)


def check_uploaded(upload: Path, upload_root: Path) -> Path:
    """The upload's real path, if it lies inside ``upload_root`` (symbolic links and ``..``
    resolved first); else UploadOutsideFolderError. Every path that arrives from a request goes
    through here before anything reads it."""
    try:
        real = Path(upload).resolve(strict=True)
        root = Path(upload_root).resolve(strict=True)
    except (OSError, RuntimeError) as e:
        raise UploadOutsideFolderError(Path(upload).name) from e
    if not real.is_relative_to(root) or real == root or not real.is_file():
        raise UploadOutsideFolderError(Path(upload).name)
    return real


def add_report(settings: Settings, index: Index, upload: Path, name: str | None = None,
               progress: Callable[[float, str], None] | None = None,
               upload_root: Path | None = None) -> IngestResult:
    """Copy an uploaded file into the corpus folder under its own name and index it. A file
    that cannot be indexed does not stay in the corpus (a previous version is put back).
    ``upload_root``: the folder uploads must come from (the app's upload folder); a path
    outside it is refused before it is read."""
    if upload_root is not None:
        upload = check_uploaded(upload, upload_root)
    name = Path(name or upload.name).name.lstrip(".")
    suffix = Path(name).suffix.lower()
    if not name or suffix not in SUFFIXES:
        raise UnsupportedFileError(name or "(no name)", Reason("type", suffix=suffix or "(none)",
                                                               allowed=", ".join(UPLOAD_SUFFIXES)))
    size = upload.stat().st_size
    if size > settings.max_upload_mb * 1024 * 1024:
        raise UnsupportedFileError(name, Reason("size", mb=size / 1024 / 1024, limit=settings.max_upload_mb))
    if size == 0:
        raise UnsupportedFileError(name, Reason("empty"))
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    target = settings.corpus_dir / name
    previous = target.read_bytes() if target.exists() else None
    shutil.copyfile(upload, target)
    try:
        result = ingest(index, [target], progress=progress)
    except AssistantError:
        _restore(target, previous)
        raise
    if result.errors:
        _restore(target, previous)
        result.errors = [e.replace(str(target), name) for e in result.errors]
    return result


def _restore(target: Path, previous: bytes | None) -> None:
    if previous is None:
        target.unlink(missing_ok=True)
    else:
        target.write_bytes(previous)


def remove_report(settings: Settings, index: Index, report_id: str) -> Path | None:
    """Remove a report from the index and move its file to data/removed/. Returns where it went."""
    record = next((r for r in index.reports() if r.id == report_id), None)
    remove(index, report_id)  # raises UnknownReportError for an id it does not hold
    source = settings.corpus_dir / record.source if record else None
    if source is None or not source.exists():
        return None
    target = settings.data_dir / "removed" / source.name
    if target.exists():  # keep the earlier removal too
        target = target.with_name(f"{source.stem}.{time.strftime('%Y%m%d-%H%M%S')}{source.suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), target)
    log.info("removed %s; its file moved to %s", report_id, target)
    return target
