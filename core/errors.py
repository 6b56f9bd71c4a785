"""The one base of every domain error: a stable machine-readable `code` and a human title and detail."""


class DomainError(Exception):
    """A refusal by the domain; the API maps its `code` to an HTTP status in one table.

    Subclasses set `code` (stable, shown to clients, the same in every language).
    The human text may be translated: `title` names the kind of problem and
    `message` is the default detail, both usually `gettext_lazy` strings: the
    detail is read in the language active when the error is raised, the title when
    the answer is written. Without them, the title comes from the class name and
    the detail from the docstring, in English.
    """

    code = "domain_error"
    # Text, or a lazy translation of it (this module depends on nothing, Django included).
    title: object = None
    message: object = None

    def __init__(self, detail: str = "") -> None:
        self.detail: str = str(detail or self.message or (self.__doc__ or self.code).strip())
        super().__init__(self.detail)
