"""Prompt templates live in prompts/*.md and are rendered strictly: a variable the template
names but the caller does not give is an error that names it, and so is an unused one."""

from __future__ import annotations

import string
from pathlib import Path

from .errors import TemplateFieldError, TemplateMissingError


def render(prompts_dir: Path, name: str, **values: str) -> str:
    path = prompts_dir / f"{name}.md"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TemplateMissingError(str(path)) from e
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = fields - values.keys()
    if missing:
        raise TemplateFieldError(name, "no value for", ", ".join(sorted(missing)))
    unused = values.keys() - fields
    if unused:
        raise TemplateFieldError(name, "template has no", ", ".join(sorted(unused)))
    return template.format(**values)
