"""Errors raised by the verification engine.

Every message names the offending value and says how to fix it, so the Django
glue can show it to a user (or an operator) unchanged.
"""

from __future__ import annotations


class VerificationError(Exception):
    """Base class for every error the engine raises on purpose."""


class ModelLoadError(VerificationError):
    """An NLI or embedding model could not be found or loaded."""


class LabelMappingError(ModelLoadError):
    """A model's config has no usable entailment label."""


class IndexFormatError(VerificationError):
    """Serialised corpus-index bytes are unreadable or from another embedder."""


class ReportFormatError(VerificationError):
    """A report dictionary does not match the report schema."""


class ConfigError(VerificationError):
    """A `VerifierConfig` or chunking setting is out of range."""
