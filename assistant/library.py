"""The report collection as files: add an uploaded report to the corpus folder and index it,
remove one, restore one. Nothing is ever lost or overwritten silently:

- an upload is read (in the reader process) before anything touches the corpus; one that cannot
  be read leaves the corpus as it was;
- an upload whose report id, or whose title and office, is already indexed is refused with
  ReportExistsError unless the caller says ``replace`` (the app asks the user first);
- a replaced or removed version moves to data/removed/ and is listed in data/removed/removed.jsonl,
  from where ``restore_report`` puts it back;
- the new file reaches the corpus by an atomic rename from corpus/.incoming/, so a process killed
  during an upload leaves at most a file in .incoming (dropped at the next start) or a complete
  file that the next start indexes;
- given an ``Actor`` (a user of the app, the command line), each operation first checks that
  their role allows it on that report's office (access.authorize), then records it in the audit.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .access import authorize
from . import audit
from .audit import Actor
from .errors import AssistantError, Reason, ReportExistsError, UnknownRemovedError, UnsupportedFileError, \
    UploadOutsideFolderError
from .index import Index
from .ingest import IngestResult, discover, ingest, remove, report_ids
from .loaders import SUFFIXES, unsupported_type
from .progress import Sink, Step, relay
from .reader import shared_reader
from .settings import Settings

log = logging.getLogger(__name__)
UPLOAD_SUFFIXES = SUFFIXES  # the app takes every format the loaders read
INCOMING = ".incoming"  # inside the corpus folder; ignored by discover (a dot folder)
REMOVED_LOG = "removed.jsonl"


@dataclass
class Removed:
    """A version of a report kept under data/removed/."""
    file: str  # its name in data/removed/
    original: str  # its name in the corpus folder
    report_id: str
    title: str
    office: str
    why: str  # "removed" | "replaced"
    at: str  # when, ISO 8601


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
               progress: Sink | None = None,
               upload_root: Path | None = None, replace: bool = False,
               suffixes: tuple[str, ...] = SUFFIXES, actor: Actor | None = None) -> IngestResult:
    """Read an uploaded file, then put it into the corpus folder under its own name and index it.
    ``upload_root``: the folder uploads must come from (the app's upload folder); a path outside
    it is refused before it is read. ``replace``: the user has agreed to replace the report it
    would overwrite (without it, ReportExistsError). ``suffixes``: the file types accepted (the app
    offers UPLOAD_SUFFIXES; another is refused with UnsupportedFileError, in the user's language).
    ``actor``: who uploads (checked against the offices, audited)."""
    if upload_root is not None:
        upload = check_uploaded(upload, upload_root)
    name = _checked_name(name or upload.name, suffixes)
    data = _checked_data(settings, upload, name)
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / name
    result = IngestResult()
    if progress is not None:
        progress(Step("read", 0, 1, name))
    try:
        report, chunks = shared_reader().read(target, data, corpus, None, settings.chunk_tokens,
                                              settings.min_chunk_tokens, settings.read_timeout_s,
                                              relay(progress, name))
    except AssistantError as e:
        result.errors.append(str(e).replace(str(target), name))
        return result
    rid = report_ids([*discover(corpus), target])[target.resolve()]
    records = {r.id: r for r in index.reports()}
    same_file = rid in records and target.exists() and target.read_bytes() == data
    twin = next((r for r in records.values() if r.id != rid and r.office and r.office == report.office
                 and r.title == report.title), None)  # the same report under another file name
    existing = records.get(rid) or twin
    if actor is not None:  # the new report's office, and the office of the one it would replace
        authorize(actor.user, "upload", report.office, report.title)
        if existing is not None:
            authorize(actor.user, "replace", existing.office, existing.title)
    if not replace and not same_file and existing is not None:
        raise ReportExistsError(name, existing.title, existing.id)
    previous = _set_aside(settings, target, records.get(rid), "replaced") if target.exists() and not same_file else None
    _place(corpus, target, data)
    try:
        result = ingest(index, [target], progress=progress, preread={target.resolve(): (report, chunks, data)})
    except AssistantError:
        index.invalidate()
        if rid not in index.records():  # written already (only its vectors failed): it stays, pending
            _undo(settings, target, previous)
        raise
    if result.errors:
        _undo(settings, target, previous)
        result.errors = [e.replace(str(target), name) for e in result.errors]
    elif twin is not None and replace:
        remove_report(settings, index, twin.id, why="replaced")
    if actor is not None and not result.errors and (result.added or result.updated or twin is not None):
        replaced = existing is not None and not same_file
        audit.record(actor.db, actor.user.name, "replace" if replaced else "upload", rid, report.title,
                     report.office, f"{name} ← {existing.id}" if replaced else name)
    return result


def unread_files(corpus: Path) -> list[UnsupportedFileError]:
    """The files of the corpus folder that no reader takes (an .xls, a .pptx dropped in with the
    reports), each with the reason and what to save it as; the folder's own files (manifest.toml,
    a README, dot files) are not reports and are left out."""
    out = []
    for path in sorted(corpus.rglob("*")) if corpus.is_dir() else []:
        parts = path.relative_to(corpus).parts
        if not path.is_file() or any(part.startswith(".") for part in parts) or path.suffix.lower() in SUFFIXES:
            continue
        if path.name == "manifest.toml" or path.stem.upper() in ("README", "SOURCES"):
            continue
        out.append(UnsupportedFileError(str(path.relative_to(corpus)), unsupported_type(path.suffix.lower())))
    return out


def _checked_name(name: str, suffixes: tuple[str, ...] = SUFFIXES) -> str:
    name = Path(name).name.lstrip(".")
    suffix = Path(name).suffix.lower()
    if not name or suffix not in suffixes:
        raise UnsupportedFileError(name or "(no name)", unsupported_type(suffix))
    return name


def _checked_data(settings: Settings, upload: Path, name: str) -> bytes:
    size = upload.stat().st_size
    if size > settings.max_upload_mb * 1024 * 1024:
        raise UnsupportedFileError(name, Reason("size", mb=size / 1024 / 1024, limit=settings.max_upload_mb))
    if size == 0:
        raise UnsupportedFileError(name, Reason("empty"))
    return upload.read_bytes()


def _place(corpus: Path, target: Path, data: bytes) -> None:
    """Write the file whole, then rename it into place (atomic: never half a file in the corpus)."""
    incoming = corpus / INCOMING
    incoming.mkdir(exist_ok=True)
    part = incoming / target.name
    part.write_bytes(data)
    os.replace(part, target)


def _undo(settings: Settings, target: Path, previous: Removed | None) -> None:
    """Put the corpus back as it was before a failed upload."""
    target.unlink(missing_ok=True)
    if previous is not None:
        restore_file(settings.data_dir, previous, target)


def drop_incoming(settings: Settings) -> list[str]:
    """Files a killed upload left half-way (never renamed into the corpus): removed at start."""
    incoming = settings.corpus_dir / INCOMING
    if not incoming.is_dir():
        return []
    dropped = [p.name for p in incoming.iterdir() if p.is_file()]
    shutil.rmtree(incoming, ignore_errors=True)
    return dropped


def remove_report(settings: Settings, index: Index, report_id: str, why: str = "removed",
                  actor: Actor | None = None) -> Path | None:
    """Remove a report from the index and move its file to data/removed/. Returns where it went.
    ``actor``: who removes it (checked against the report's office, audited)."""
    found = next((r for r in index.reports() if r.id == report_id), None)
    if actor is not None:
        authorize(actor.user, "remove", found.office if found else "", found.title if found else report_id)
    remove(index, report_id)  # raises UnknownReportError for an id it does not hold
    source = settings.corpus_dir / found.source if found else None
    kept = _set_aside(settings, source, found, why) if source is not None and source.exists() else None
    where = settings.data_dir / "removed" / kept.file if kept else None
    if kept:
        log.info("removed %s; its file moved to %s", report_id, kept.file)
    if actor is not None:
        audit.record(actor.db, actor.user.name, "remove", report_id, found.title if found else "",
               found.office if found else "", kept.file if kept else "")
    return where


def _set_aside(settings: Settings, source: Path, record, why: str) -> Removed:
    """Move a corpus file to data/removed/ (a name of its own if one is there) and log it."""
    folder = settings.data_dir / "removed"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    if target.exists():  # keep the earlier version too
        target = target.with_name(f"{source.stem}.{time.strftime('%Y%m%d-%H%M%S')}{source.suffix}")
        n = 1
        while target.exists():
            n += 1
            target = target.with_name(f"{source.stem}.{time.strftime('%Y%m%d-%H%M%S')}-{n}{source.suffix}")
    shutil.move(str(source), target)
    entry = Removed(file=target.name, original=source.name, report_id=record.id if record else source.stem,
                    title=record.title if record else source.name, office=record.office if record else "",
                    why=why, at=time.strftime("%Y-%m-%dT%H:%M:%S"))
    with (folder / REMOVED_LOG).open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry.__dict__, ensure_ascii=False) + "\n")
    return entry


def list_removed(settings: Settings) -> list[Removed]:
    """The versions kept under data/removed/ that are still there, newest first."""
    folder = settings.data_dir / "removed"
    log_path = folder / REMOVED_LOG
    if not log_path.exists():
        return []
    entries = [Removed(**json.loads(line)) for line in log_path.read_text(encoding="utf-8").splitlines() if line]
    seen, out = set(), []
    for entry in reversed(entries):
        if entry.file not in seen and (folder / entry.file).exists():
            seen.add(entry.file)
            out.append(entry)
    return out


def restore_report(settings: Settings, index: Index, file: str, actor: Actor | None = None) -> IngestResult:
    """Put a removed or replaced version back into the corpus under its original name and index
    it; whatever holds that name now is set aside first (so it can be restored in turn).
    ``actor``: who restores it (checked against both reports' offices, audited)."""
    entry = next((e for e in list_removed(settings) if e.file == file), None)
    if entry is None:
        raise UnknownRemovedError(file)
    target = settings.corpus_dir / entry.original
    current = next((r for r in index.reports() if (settings.corpus_dir / r.source) == target), None)
    if actor is not None:
        authorize(actor.user, "restore", entry.office, entry.title)
        if current is not None:
            authorize(actor.user, "replace", current.office, current.title)
    if target.exists():
        _set_aside(settings, target, current, "replaced")
    restore_file(settings.data_dir, entry, target)
    result = ingest(index, [target])
    if actor is not None and not result.errors:
        audit.record(actor.db, actor.user.name, "restore", entry.report_id, entry.title, entry.office, entry.file)
    return result


def restore_file(data_dir: Path, entry: Removed, target: Path) -> None:
    shutil.move(str(data_dir / "removed" / entry.file), target)
