"""The one base of every domain error: a stable machine-readable `code` and a human detail."""


class DomainError(Exception):
    """A refusal by the domain; the API maps its `code` to an HTTP status in one table.

    Subclasses set `code` (stable, shown to clients) and a docstring, which is the
    default detail.
    """

    code = "domain_error"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail or (self.__doc__ or self.code).strip()
        super().__init__(self.detail)
