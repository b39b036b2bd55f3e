"""The package's version, in one place: the build reads it (pyproject.toml), so do the JSON
report and ``pytest_summgate.__version__``."""

__version__ = "0.1.0"
