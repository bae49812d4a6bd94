"""User-facing errors: each carries one sentence that tells the user what to fix."""


class LitlabError(Exception):
    """A problem with the user's input; the run stops with its message and a non-zero exit."""


class ConfigError(LitlabError):
    """An option value that cannot work."""


class DataError(LitlabError):
    """A dataset that is missing, corrupt or does not fit the request."""


class IncompatibleError(LitlabError):
    """A model/data pair that makes no sense together."""


class NonFiniteLossError(LitlabError):
    """Training that diverged: a loss, or what the model makes, turned NaN or infinite."""
