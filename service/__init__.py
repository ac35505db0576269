"""News-article summarizer: who, what, where and denials, every item grounded in the article."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsroom-summarizer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
