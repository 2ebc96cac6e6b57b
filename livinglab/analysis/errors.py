"""The one way a statistical test declines to run."""


class NotTestable(ValueError):
    """The data cannot support this test; the message says why, in words a startup understands.

    `code` is a stable machine code (`too_few`, `no_variance`, `not_estimable`, ...) that the
    results layer translates; it defaults to `not_testable` for callers that give none.
    """

    def __init__(self, *args, code: str = "not_testable"):
        super().__init__(*args)
        self.code = code

    @property
    def reason(self) -> str:
        return str(self.args[0])
