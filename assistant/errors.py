"""Typed errors with a message that says what to do. Converted to a clean exit (CLI) or a
warning (UI) at the edge; library code only raises them.

Each error keeps the facts of what happened as fields; its text, in either language, is the
template ``error_<ClassName>`` of ``labels.py``. ``str(error)`` is the English text (the CLI and the
logs); ``error.message("zh")`` the Chinese one (the interface)."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is meant for the user and says how to fix the problem."""

    def __init__(self, **fields) -> None:
        self.fields = fields
        for name, value in fields.items():
            setattr(self, name, value)
        super().__init__(self.message("en"))

    def __reduce__(self):  # pickled by its fields (the reader process sends errors back)
        return _rebuild, (type(self), self.fields)

    def message(self, lang: str) -> str:
        from .labels import labels

        words = labels(lang)
        values = {k: (v.message(lang) if isinstance(v, Reason) else v) for k, v in self.fields.items()}
        return words[f"error_{type(self).__name__}"].format(**values)


def _rebuild(cls, fields: dict) -> "AssistantError":
    error = cls.__new__(cls)
    AssistantError.__init__(error, **fields)
    if "name" in fields and cls is UnsupportedFileError:
        error.path = fields["name"]
    return error


class Reason:
    """Why a file cannot be read: a ``file_<key>`` label and its fields, said in either language."""

    def __init__(self, key: str, **fields) -> None:
        self.key, self.fields = key, fields

    def message(self, lang: str) -> str:
        from .labels import labels

        return labels(lang)[f"file_{self.key}"].format(**self.fields)

    def __str__(self) -> str:
        return self.message("en")


class IndexNotBuiltError(AssistantError):
    def __init__(self, where: str):
        super().__init__(where=where)


class IndexPathError(AssistantError):
    """ASSISTANT_INDEX_DIR (or another folder setting) names something that is not a folder."""

    def __init__(self, name: str, path: str, detail: str):
        super().__init__(name=name, path=path, detail=detail)


class UnsupportedFileError(AssistantError):
    """A file that cannot be read or indexed; ``reason`` is a Reason (file_<key> label)."""

    def __init__(self, name: str, reason: Reason):
        super().__init__(name=name, reason=reason)
        self.path = name


class UploadOutsideFolderError(AssistantError):
    """A path handed to ingest by a request that does not lie in the upload folder: a crafted
    request naming a file on the server, never a real upload."""

    def __init__(self, name: str):
        super().__init__(name=name)


class EmptyQuestionError(AssistantError):
    def __init__(self):
        super().__init__()


class QuestionTooLongError(AssistantError):
    def __init__(self, length: int, limit: int):
        super().__init__(length=length, limit=limit)


class EmbeddingModelError(AssistantError):
    """The dense model cannot be loaded or reached."""


class EmbedderMissingError(EmbeddingModelError):
    def __init__(self, package: str):
        super().__init__(package=package)


class ModelNotFoundError(EmbeddingModelError):
    def __init__(self, spec: str, kind: str):
        super().__init__(spec=spec, kind=kind)


class EmbedServerMissingError(EmbeddingModelError):
    def __init__(self, model: str):
        super().__init__(model=model)


class EmbedServerError(EmbeddingModelError):
    def __init__(self, url: str, detail: str, model: str):
        super().__init__(url=url, detail=detail, model=model)


class UnknownEmbedderError(EmbeddingModelError):
    def __init__(self, spec: str):
        super().__init__(spec=spec)


class LLMError(AssistantError):
    """The chat endpoint failed, timed out or answered nonsense; callers fall back."""


class LLMNotConfiguredError(LLMError):
    def __init__(self):
        super().__init__()


class LLMFailedError(LLMError):
    def __init__(self, url: str, when: str, detail: str):
        super().__init__(url=url, when=when, detail=detail)


class IngestLockedError(AssistantError):
    def __init__(self, where: str):
        super().__init__(where=where)


class UnknownReportError(AssistantError):
    def __init__(self, report_id: str):
        super().__init__(report_id=report_id)


class TemplateError(AssistantError):
    """A prompt template is missing or does not fit the values given."""


class TemplateMissingError(TemplateError):
    def __init__(self, path: str):
        super().__init__(path=path)


class TemplateFieldError(TemplateError):
    def __init__(self, name: str, problem: str, fields: str):
        super().__init__(name=name, problem=problem, fields=fields)


class UnknownChoiceError(AssistantError):
    def __init__(self, what: str, value: str, choices):
        super().__init__(what=what, value=value, choices=", ".join(choices))


class SettingError(AssistantError):
    def __init__(self, name: str, value: str, reason: str):
        super().__init__(upper=name.upper(), value=value, reason=reason)


class ManifestError(AssistantError):
    def __init__(self, path: str, detail: str):
        super().__init__(path=path, detail=detail)


class CorpusMissingError(AssistantError):
    def __init__(self, path: str):
        super().__init__(path=path)


class NoSuchFileError(AssistantError):
    def __init__(self, path: str):
        super().__init__(path=path)


class NoQuestionError(AssistantError):
    def __init__(self):
        super().__init__()


class UnknownOfficeError(AssistantError):
    def __init__(self, names: str):
        super().__init__(names=names)


class ReportExistsError(AssistantError):
    """An upload would replace an indexed report: the user is asked first."""

    def __init__(self, name: str, title: str, report_id: str):
        super().__init__(name=name, title=title, report_id=report_id)


class UnknownRemovedError(AssistantError):
    def __init__(self, file: str):
        super().__init__(file=file)


# --- accounts, access, conversations, feedback (a team on one server) ---------------------------
class UserNameError(AssistantError):
    def __init__(self, name: str, limit: int):
        super().__init__(name=name, limit=limit)


class BadRoleError(AssistantError):
    def __init__(self, role: str, roles: str):
        super().__init__(role=role, roles=roles)


class WeakPasswordError(AssistantError):
    """Too short; the password itself is never a field (it would end up in a log)."""

    def __init__(self, minimum: int):
        super().__init__(minimum=minimum)


class PasswordMismatchError(AssistantError):
    def __init__(self):
        super().__init__()


class UnknownUserError(AssistantError):
    def __init__(self, name: str):
        super().__init__(name=name)


class UserExistsError(AssistantError):
    def __init__(self, name: str):
        super().__init__(name=name)


class LastAdminError(AssistantError):
    def __init__(self, name: str):
        super().__init__(name=name)


class NotAllowedError(AssistantError):
    """A request its user's role does not allow (checked on the server, whatever the page shows)."""

    def __init__(self, user: str, role: str, action: str, needed: str):
        super().__init__(user=user, role=role, action=action, needed=needed)

    def message(self, lang: str) -> str:
        from .labels import labels

        words = labels(lang)
        return words["error_NotAllowedError"].format(
            user=self.user, role=words[f"role_{self.role}"], action=words[f"action_{self.action}"],
            needed=words[f"role_{self.needed}"])


class OtherOfficeError(AssistantError):
    """An editor limited to their own office acting on another office's report."""

    def __init__(self, user: str, office: str, report_office: str, title: str):
        super().__init__(user=user, office=office, report_office=report_office, title=title)


class NotLoggedInError(AssistantError):
    def __init__(self):
        super().__init__()


class OpenOnNetworkError(AssistantError):
    """The app would listen beyond this machine with no login."""

    def __init__(self, host: str):
        super().__init__(host=host)


class UnknownChatError(AssistantError):
    def __init__(self, chat_id: str):
        super().__init__(chat_id=chat_id)


class UnknownFeedbackError(AssistantError):
    def __init__(self, feedback_id: int):
        super().__init__(feedback_id=feedback_id)


class NoKeyFactsError(AssistantError):
    """An answerable eval candidate with no expected fact to check the answer by."""

    def __init__(self, feedback_id: int):
        super().__init__(feedback_id=feedback_id)


class QuoteNotFoundError(AssistantError):
    """A support quote that is not, as written, in the report it names."""

    def __init__(self, report_id: str, quote: str):
        super().__init__(report_id=report_id, quote=quote)
