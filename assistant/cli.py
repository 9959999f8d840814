"""Command line: ingest, docs, search, ask, remove, removed, restore, targets, users, audit.

    python -m assistant ingest [PATH ...] [--replace]
    python -m assistant remove REPORT_ID
    python -m assistant removed
    python -m assistant restore FILE
    python -m assistant docs [--json]
    python -m assistant search "问题" -k 5 [--office 铁西街道] [--year 2024] [--json]
    python -m assistant ask "问题" [--json]
    python -m assistant ask --json --file questions.txt
    python -m assistant users add NAME --role reader|editor|admin [--office 铁西街道]
    python -m assistant users list | passwd NAME | role NAME ROLE [--office ...] | remove NAME
    python -m assistant audit [--report REPORT_ID]

A password is read from the terminal (asked twice), or as one line on standard input when that is
not a terminal (``printf '%s\n' "$PW" | python -m assistant users add ...``); never from the
command line, where other users of the machine would see it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .errors import AssistantError, NoQuestionError, NoSuchFileError, PasswordMismatchError, UnknownOfficeError, \
    UnknownUserError
from .labels import say
from .settings import Settings

log = logging.getLogger("assistant")
CLI_LANG = "en"  # the command line speaks English (its users are the ones who run the server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index the corpus folder, or add the given report files")
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--replace", action="store_true",
                   help="a given file may replace the indexed report of the same name or title")

    p = sub.add_parser("docs", help="list the indexed reports and their metadata")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", help="hybrid search; prints the passages found")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None)
    p.add_argument("--office", action="append", default=[])
    p.add_argument("--year", action="append", type=int, default=[])
    p.add_argument("--phase", choices=["plan", "summary"], default="")
    p.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question", nargs="?")
    p.add_argument("--file", type=Path, help="one question per line; one JSON object per line out")
    p.add_argument("--history", action="append", default=[], metavar="EARLIER",
                   help="an earlier question of the conversation (repeat, oldest first)")
    p.add_argument("--office", action="append", default=[])
    p.add_argument("--year", action="append", type=int, default=[])
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("targets", help="the quantitative targets and results of the reports")
    p.add_argument("--office", action="append", default=[])
    p.add_argument("--kind", choices=["target", "achieved"], default="")
    p.add_argument("--topic", default="")
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--half", choices=["H1", "H2", "full"], default="", help="full: whole-year statements")
    p.add_argument("--text", default="", help="words that must occur in the metric or sentence")
    p.add_argument("--csv", type=Path, help="also write the table to this CSV file (UTF-8 with BOM)")
    p.add_argument("--xlsx", type=Path, help="also write the table to this Excel file")

    _library_commands(sub)
    _team_commands(sub)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    try:
        return COMMANDS[args.command](settings, args)
    except AssistantError as e:
        print(say(CLI_LANG, "cli_error", error=e), file=sys.stderr)
        return 2


def _library_commands(sub) -> None:
    """Removing a report, and the removed and replaced versions kept in data/removed."""
    p = sub.add_parser("remove", help="remove a report from the index (its file moves to data/removed)")
    p.add_argument("report_id")

    sub.add_parser("removed", help="list the removed and replaced versions kept in data/removed")

    p = sub.add_parser("restore", help="put a removed or replaced version back and index it")
    p.add_argument("file", help="its name in data/removed (see: removed)")


def _team_commands(sub) -> None:
    """The team's commands: accounts (users ...) and the audit of report changes."""
    p = sub.add_parser("users", help="the app's accounts: add, list, passwd, role, remove")
    users = p.add_subparsers(dest="users_command", required=True)
    q = users.add_parser("add", help="add an account (the password is asked for)")
    q.add_argument("name")
    q.add_argument("--role", choices=["reader", "editor", "admin"], default="reader")
    q.add_argument("--office", default="", help="an editor with an office manages only its reports")
    users.add_parser("list", help="list the accounts")
    q = users.add_parser("passwd", help="set an account's password (asked for)")
    q.add_argument("name")
    q = users.add_parser("role", help="change an account's role (and office)")
    q.add_argument("name")
    q.add_argument("role", choices=["reader", "editor", "admin"])
    q.add_argument("--office", default=None)
    q = users.add_parser("remove", help="remove an account")
    q.add_argument("name")

    p = sub.add_parser("audit", help="who uploaded, replaced, removed or restored which report, and when")
    p.add_argument("--report", default=None)
    p.add_argument("-n", type=int, default=50)


def _assistant(settings: Settings):
    from .chain import Assistant

    return Assistant(settings)


def _actor(settings: Settings):
    """The command line as the audit names it (cli:<login>); it acts as an admin: who can run it
    can read the server's files anyway."""
    import getpass

    from .accounts import User
    from .audit import Actor
    from .db import Database

    return Actor(User(f"cli:{getpass.getuser()}", "admin"), Database(settings.database_path))


def _index(settings: Settings):
    from .embeddings import make_embedder
    from .index import Index

    return Index(settings, make_embedder(settings))


def cmd_ingest(settings: Settings, args) -> int:
    """The corpus folder; or the given files, each added as an upload is (read first, never
    replacing an indexed report unless --replace)."""
    from .errors import UnsupportedFileError
    from .ingest import IngestResult, ingest
    from .library import add_report, unread_files

    index = _index(settings)
    progress = _progress if sys.stderr.isatty() else _logged_progress
    if not args.paths:
        result = ingest(index, progress=progress)
        result.errors.extend(str(e) for e in unread_files(settings.corpus_dir))  # named, not silently skipped
    else:
        result = IngestResult()
        for path in _files(args.paths):
            try:
                part = add_report(settings, index, path, replace=args.replace, progress=progress,
                                  actor=_actor(settings))
            except UnsupportedFileError as e:  # a type or size refused: named, and the next file read
                result.errors.append(str(e))
                continue
            for name in ("added", "updated", "unchanged", "removed", "errors"):
                getattr(result, name).extend(getattr(part, name))
    for error in result.errors:
        print(say(CLI_LANG, "cli_error", error=error), file=sys.stderr)
    print(result.summary())
    # a file that cannot be read is skipped, named above; only when nothing could be read at all
    # does the command fail (a script around it then notices)
    nothing = not (result.added or result.updated or result.unchanged)
    return 1 if result.errors and nothing else 0


def _files(paths: list[Path]) -> list[Path]:
    out = []
    for path in paths:
        if path.is_dir():
            out.extend(p for p in sorted(path.rglob("*")) if p.is_file())
        elif path.exists():
            out.append(path)
        else:
            raise NoSuchFileError(str(path))
    return out


def _logged_progress(step) -> None:
    """Into a log (stderr not a terminal): a line for each page of a scan read by OCR (seconds a
    page, so a long scan is seen to move); the other steps are quick and would only fill it."""
    if step.stage == "ocr":
        print(step.describe(CLI_LANG), file=sys.stderr, flush=True)


def _progress(step) -> None:
    """One line that the next step overwrites: [ 40%] embedding passages: 120 of 300."""
    line = f"[{step.fraction:4.0%}] {step.describe(CLI_LANG)}"
    print(f"\r{line[:90]:90}", end="\n" if step.stage == "done" else "", file=sys.stderr, flush=True)


def cmd_docs(settings: Settings, args) -> int:
    reports = _index(settings).reports()
    if args.json:
        print(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=1))
    else:
        for r in reports:
            years = ",".join(map(str, r.years))
            print(f"{r.id}  {r.office}  {r.region or '-'}  {years}  {r.kind}  {r.chunks} chunks  {r.title}")
    return 0


def cmd_search(settings: Settings, args) -> int:
    from .retrieve import Filters

    result = _assistant(settings).search(
        args.question, Filters(tuple(args.office), tuple(args.year), args.phase), k=args.k, mode=args.mode)
    rows = [{"rank": i + 1, "score": round(h.score, 5), "id": h.chunk.id, "report_id": h.chunk.report_id,
             "office": h.chunk.office, "title": h.chunk.title, "section": h.chunk.section,
             "period": f"{h.chunk.year or ''} {h.chunk.half} {h.chunk.phase}".split(),
             "start": h.chunk.start, "end": h.chunk.end, "text": h.chunk.text} for i, h in enumerate(result.hits)]
    if args.json:
        print(json.dumps({"hits": rows, "timings_ms": result.timings_ms}, ensure_ascii=False))
    else:
        for row in rows:
            print(f"[{row['rank']}] {row['title']} › {row['section']}  ({row['score']})")
            print(f"    {row['text'][:160]}")
    return 0


def cmd_ask(settings: Settings, args) -> int:
    from .retrieve import Filters

    assistant = _assistant(settings)
    filters = Filters(tuple(args.office), tuple(args.year))
    if args.file:
        questions = [q for q in args.file.read_text(encoding="utf-8").splitlines() if q.strip()]
    elif args.question:
        questions = [args.question]
    else:
        raise NoQuestionError()
    history = assistant.conversation(args.history)
    for question in questions:
        try:
            answer = assistant.ask(question, history=history, filters=filters)
        except AssistantError as e:
            if not args.json:
                raise
            print(json.dumps({"question": question, "error": str(e), "status": "error"}, ensure_ascii=False))
            continue
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            if answer.read_as:
                print(f"({answer.read_as})\n")
            print(answer.answer)
            if answer.notice:
                print(f"\n({answer.notice})")
            for c in answer.citations:
                print(f"  [{c.n}] {c.title} › {c.section}  ({c.start}-{c.end})")
    return 0


def cmd_remove(settings: Settings, args) -> int:
    from .library import remove_report

    where = remove_report(settings, _index(settings), args.report_id, actor=_actor(settings))
    if where:
        print(say(CLI_LANG, "cli_moved", where=where))
    print(say(CLI_LANG, "cli_removed", id=args.report_id))
    return 0


def cmd_removed(settings: Settings, args) -> int:
    from .library import list_removed

    for entry in list_removed(settings):
        print(f"{entry.file}  {entry.at}  {entry.why}  {entry.report_id}  {entry.title}")
    return 0


def cmd_restore(settings: Settings, args) -> int:
    from .library import restore_report

    result = restore_report(settings, _index(settings), args.file, actor=_actor(settings))
    for error in result.errors:
        print(say(CLI_LANG, "cli_error", error=error), file=sys.stderr)
    print(result.summary())
    return 1 if result.errors else 0


def cmd_targets(settings: Settings, args) -> int:
    from .export import write_csv, write_xlsx
    from .targets import all_targets, filter_targets

    index = _index(settings)
    offices = set()
    for name in args.office:  # 铁西 or 铁西街道
        offices |= {r.office for r in index.reports() if name in r.office}
    if args.office and not offices:
        raise UnknownOfficeError(", ".join(args.office))
    targets = filter_targets(all_targets(index), tuple(offices), args.kind, args.topic, args.year,
                             args.half, args.text)
    if args.csv:
        write_csv(targets, args.csv, public_link=settings.public_link)
    if args.xlsx:
        write_xlsx(targets, args.xlsx, public_link=settings.public_link)
    rows = [t.to_json() for t in targets]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        for row in rows:
            value = say(CLI_LANG, "cli_undisclosed") if row["value"] is None else row["quote"]
            print(f"{row['office']}\t{row['period']}\t{row['kind']}\t{row['topic']}\t{row['metric']}\t"
                  f"{row['qualifier']}{value}")
    return 0


def cmd_users(settings: Settings, args) -> int:
    from . import accounts
    from .db import Database

    db = Database(settings.database_path)
    command = args.users_command
    if command == "list":
        for user in accounts.list_users(db):
            print(f"{user.name}\t{user.role}\t{user.office or '-'}")
    elif command == "add":
        user = accounts.add_user(db, args.name, _new_password(), args.role, args.office)
        print(say(CLI_LANG, "user_added", name=user.name, role=user.role))
    elif command == "passwd":
        if accounts.get_user(db, args.name) is None:
            raise UnknownUserError(args.name)
        accounts.set_password(db, args.name, _new_password())
        print(say(CLI_LANG, "user_password_set", name=args.name))
    elif command == "role":
        user = accounts.set_role(db, args.name, args.role, args.office)
        print(f"{user.name}\t{user.role}\t{user.office or '-'}")
    elif command == "remove":
        accounts.remove_user(db, args.name)
        print(say(CLI_LANG, "user_removed", name=args.name))
    return 0


def _new_password() -> str:
    """From the terminal, typed twice and not echoed; else one line of standard input."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise PasswordMismatchError()
    return first


def cmd_audit(settings: Settings, args) -> int:
    from .audit import entries
    from .db import Database

    for e in reversed(entries(Database(settings.database_path), args.n, args.report)):
        print(f"{e.at}  {e.user}  {e.action}  {e.report_id}  {e.title}  {e.detail}")
    return 0


COMMANDS = {"ingest": cmd_ingest, "docs": cmd_docs, "search": cmd_search, "ask": cmd_ask,
            "remove": cmd_remove, "removed": cmd_removed, "restore": cmd_restore, "targets": cmd_targets,
            "users": cmd_users, "audit": cmd_audit}
