"""The nouns of the pipeline: a Report with its tree of Sections and their Paragraphs, the Chunks
that are indexed, the ReportRecord the index lists, and an Answer with its Citations. Offsets
always point into ``Report.text``, the text as read from the file."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Iterator
from urllib.parse import quote

from .textnorm import PAYWALL


@dataclass
class Paragraph:
    id: str  # "p7": stable within one version of a report, used in source links
    start: int  # offsets into Report.text; text[start:end] is the paragraph as written
    end: int
    text: str  # display text: as written, a line broken inside a sentence joined again


@dataclass
class Section:
    id: str  # "s3"
    level: int  # 0 part (2023年工作总结), 1 一、, 2 （一）, 3 1.
    heading: str  # the heading as written ("" for the preamble before the first heading)
    path: tuple[str, ...]  # headings from the top down to this section
    start: int
    end: int
    year: int | None = None
    half: str = ""  # "", "H1" or "H2"
    phase: str = "plan"  # "summary" (what was done) or "plan" (what will be done)
    role: str = "plans"  # "achievements", "problems", "plans" or "overview"
    paragraphs: list[Paragraph] = field(default_factory=list)
    children: list["Section"] = field(default_factory=list)

    @property
    def period(self) -> str:
        """e.g. "2024 H1 summary", "2024 plan"."""
        return " ".join(str(p) for p in (self.year, self.half, self.phase) if p)

    def walk(self) -> Iterator["Section"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Report:
    id: str  # the file name without its suffix
    title: str
    office: str  # e.g. "铁西街道"
    region: str  # e.g. "鲤城区", "" if the report does not say
    years: list[int]
    kind: str  # "plan", "summary" or "summary+plan"
    source: str  # file path relative to the corpus folder
    text: str  # the text as read from the file; all offsets point here
    sha256: str = ""
    date: str = ""  # the signature date, if any
    title_inferred: bool = False  # no title line: title and office were inferred from the text
    uses_d_for_dang: bool = False  # the report writes "D" for 党 (D支部)
    sections: list[Section] = field(default_factory=list)
    excluded: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, why) not indexed
    tables: list[dict] = field(default_factory=list)  # rows and cells of each table (parse._table_dict)
    pages: list[dict] = field(default_factory=list)  # pages read by OCR: number, start, end

    def walk(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk()

    def paragraphs(self) -> Iterator[tuple[Section, Paragraph]]:
        for section in self.walk():
            for paragraph in section.paragraphs:
                yield section, paragraph

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "office": self.office, "region": self.region,
                "years": self.years, "kind": self.kind, "source": self.source, "date": self.date,
                "title_inferred": self.title_inferred, "sections": sum(1 for _ in self.walk())}


@dataclass
class Chunk:
    id: str  # "<report id>:<content hash>": unchanged content keeps its id and its embedding
    report_id: str
    office: str
    title: str
    section_path: tuple[str, ...]
    year: int | None
    half: str
    phase: str
    role: str
    paragraph_ids: list[str]
    start: int
    end: int
    text: str  # display text of the passage
    search_text: str  # normalised text for BM25 and embeddings (full-width folded, D -> 党)

    @property
    def breadcrumb(self) -> str:
        return " › ".join((self.title, *[p for p in self.section_path if p]))


def source_link(report_id: str, paragraph_id: str = "", start: int | None = None,
                end: int | None = None) -> str:
    """/source/<report>?start=..&end=..#<paragraph>: the viewer highlights text[start:end]."""
    link = f"/source/{quote(report_id, safe='')}"
    if start is not None and end is not None:
        link += f"?start={int(start)}&end={int(end)}"
    return link + (f"#{quote(paragraph_id, safe='')}" if paragraph_id else "")


@dataclass(frozen=True)
class Filters:
    """What a search is limited to. Set by a user explicitly (UI or CLI), they narrow every search;
    what a question names only ranks (see query.py)."""
    offices: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    phase: str = ""  # "plan" | "summary" | ""
    half: str = ""  # "H1" | "H2" | "": sections tagged with the other half-year are left out

    def admits(self, record: "ChunkRecord") -> bool:
        return ((not self.offices or record.office in self.offices)
                and (not self.years or record.year in self.years)
                and (not self.phase or record.phase == self.phase)
                and (not self.half or record.half in ("", self.half)))

    def where(self) -> dict | None:
        """The same as a Chroma where-clause."""
        clauses = []
        if self.offices:
            clauses.append({"office": {"$in": list(self.offices)}})
        if self.years:
            clauses.append({"year": {"$in": list(self.years)}})
        if self.phase:
            clauses.append({"phase": self.phase})
        if self.half:
            clauses.append({"half": {"$in": ["", self.half]}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def __bool__(self) -> bool:
        return bool(self.offices or self.years or self.phase or self.half)

    def merged(self, query) -> "Filters":
        """Explicit filters win; otherwise the offices the question names. The years, half-year
        and plan/summary a question names only rank (see retrieve.py): a report whose year was
        read wrong is still found."""
        return Filters(offices=self.offices or tuple(query.offices), years=self.years, phase=self.phase,
                       half=self.half)


@dataclass(slots=True)
class ChunkRecord:
    """A stored chunk as search sees it."""
    id: str
    report_id: str
    office: str
    title: str
    section: str  # heading path joined with " › "
    year: int | None
    half: str
    phase: str
    role: str
    start: int
    end: int
    paragraph_ids: list[str]
    text: str


@dataclass
class ReportRecord:
    """What the index lists about a report (its record in the store), without its text."""
    id: str
    title: str
    office: str
    region: str
    years: list[int]
    kind: str
    source: str  # file path relative to the corpus folder
    date: str
    chunks: int
    title_inferred: bool
    sha256: str  # of the report's text: a new version of the report has a new one

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Citation:
    n: int  # the marker number in the answer text: [n]
    report_id: str
    title: str
    office: str
    section: str  # heading path
    text: str  # the cited sentence(s), as written
    start: int  # offsets of the cited text in the report's text
    end: int
    paragraph_id: str
    passage: str  # the whole retrieved passage the sentence comes from
    passage_start: int
    passage_end: int

    @classmethod
    def from_json(cls, data: dict) -> "Citation":
        """A citation ``cite`` made once, read back as ``Answer.to_json`` wrote it (a saved chat,
        a vote): the same fields, nothing recomputed; fields it does not know are dropped."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def link(self) -> str:
        """The source viewer on the cited text: /source/<report>?start=..&end=..#<paragraph>."""
        return source_link(self.report_id, self.paragraph_id, self.start, self.end)


def cite(report: Report, n: int, start: int, end: int, passage: tuple[str, int, int] | None = None,
         section: str | None = None, anchor: str | None = None) -> Citation:
    """The one way a Citation is made: ``report.text[start:end]`` as the cited text (paywall marks
    dropped, a sentence broken across lines joined), inside ``passage`` (its text and offsets;
    the cited text itself by default). ``section`` and ``anchor`` (the element the viewer scrolls
    to) default to the paragraph that holds ``start`` and its section's heading path."""
    text = re.sub(r"\s*\n\s*", "", PAYWALL.sub("", report.text[start:end])).strip()
    if section is None or anchor is None:
        found = next(((s, p) for s, p in report.paragraphs() if p.start <= start < p.end + 1), None)
        if section is None:
            section = " › ".join(h for h in found[0].path if h) if found else ""
        if anchor is None:
            anchor = found[1].id if found else ""
    passage_text, passage_start, passage_end = passage or (text, start, end)
    return Citation(n=n, report_id=report.id, title=report.title, office=report.office, section=section,
                    text=text, start=start, end=end, paragraph_id=anchor, passage=passage_text,
                    passage_start=passage_start, passage_end=passage_end)


@dataclass
class Answer:
    question: str
    answer: str
    status: str  # "answered" | "not_found"
    citations: list[Citation] = field(default_factory=list)
    unsupported_numbers: list[str] = field(default_factory=list)
    standalone_question: str = ""
    mode: str = "extractive"
    notice: str = ""  # e.g. the LLM failed and the extractive answer is shown instead
    read_as: str = ""  # how the question was understood, when not as typed: 按「…」理解
    timings_ms: dict = field(default_factory=dict)
    closest: list[Citation] = field(default_factory=list)  # not found: the nearest passages, to open
    filtered_out: list[str] = field(default_factory=list)  # not found: the user's filters without which
    # the reports answer ("offices", "years", "phase", "half"), so the UI can offer to drop them

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("citations", "closest"):
            for cite_data, obj in zip(data[key], getattr(self, key)):
                cite_data["link"] = obj.link
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Answer":
        """The Answer ``to_json`` wrote (a saved chat, a vote): fields it does not know are dropped."""
        lists = ("citations", "closest")  # the fields that hold Citations
        known = {f.name for f in fields(cls)} - set(lists)
        cited = {name: [Citation.from_json(c) for c in data.get(name) or []] for name in lists}
        return cls(**{k: v for k, v in data.items() if k in known}, **cited)

    def __add__(self, later: "Answer") -> "Answer":
        """A streamed answer's chunks are each the whole answer so far: the later one wins."""
        return later


def joined(question: str, answers: list[Answer]) -> Answer:
    """One answer to a message that asks several questions: each part's answer under its question,
    the citation markers numbered on through the whole (the second part's [1] becomes [3])."""
    texts, citations, closest = [], [], []
    for answer in answers:
        offset = len(citations)
        texts.append(f"**{answer.question}**\n" + re.sub(r"\[(\d+)\]", lambda m: f"[{int(m[1]) + offset}]",
                                                            answer.answer))
        citations += [dataclasses.replace(c, n=c.n + offset) for c in answer.citations]
        closest += answer.closest
    answered = [a for a in answers if a.status == "answered"]
    return Answer(question=question, answer="\n\n".join(texts), status="answered" if answered else "not_found",
                  citations=citations, unsupported_numbers=[n for a in answers for n in a.unsupported_numbers],
                  standalone_question="？".join(a.standalone_question.rstrip("？?") for a in answers) + "？",
                  mode=answers[0].mode, notice=next((a.notice for a in answers if a.notice), ""),
                  read_as="；".join(a.read_as for a in answers if a.read_as), closest=closest,
                  filtered_out=sorted({f for a in answers for f in a.filtered_out}))
