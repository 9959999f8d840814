"""The nouns of the pipeline: a Report with its tree of Sections and their Paragraphs, and the
Chunks that are indexed. Offsets always point into ``Report.text``, the text as read from the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import quote


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
