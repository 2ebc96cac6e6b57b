"""The one way a statistical test declines to run."""


class NotTestable(ValueError):
    """The data cannot support this test; the message says why, in words a startup understands."""

    @property
    def reason(self) -> str:
        return str(self.args[0])
