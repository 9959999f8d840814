"""Typed errors with a message that says what to do. Converted to a clean exit (CLI) or a
warning (UI) at the edge; library code only raises them."""


class AssistantError(Exception):
    """Base class: the message is meant for the user and says how to fix the problem."""


class IndexNotBuiltError(AssistantError):
    def __init__(self, where: str):
        super().__init__(f"no index at {where}; build it with: python -m assistant ingest")


class UnsupportedFileError(AssistantError):
    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


class EmptyQuestionError(AssistantError):
    def __init__(self):
        super().__init__("the question is empty; type a question about the reports, e.g. "
                         "铁西街道2024年招商引资目标是多少？")


class QuestionTooLongError(AssistantError):
    def __init__(self, length: int, limit: int):
        self.length, self.limit = length, limit
        super().__init__(f"the question has {length} characters; shorten it to at most {limit}")


class EmbeddingModelError(AssistantError):
    pass


class LLMError(AssistantError):
    """The chat endpoint failed, timed out or answered nonsense; callers fall back."""


class IngestLockedError(AssistantError):
    def __init__(self, where: str):
        super().__init__(f"another ingest is running on {where}; wait for it to finish and retry")


class UnknownReportError(AssistantError):
    def __init__(self, report_id: str):
        super().__init__(f"no report with id {report_id!r}; list them with: python -m assistant docs")


class TemplateError(AssistantError):
    pass


class UnknownChoiceError(AssistantError):
    def __init__(self, what: str, value: str, choices):
        super().__init__(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")
