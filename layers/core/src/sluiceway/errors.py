"""Typed errors. Their class names are the ASL error names.

A handler that raises ``CorruptDocument`` fails its Task state with ``Error = "CorruptDocument"``
(as AWS Lambda does: the error name is the exception's type name), so state machines match them by
name in ``Retry`` and ``Catch``::

    SluicewayError
    ├── TerminalError            never retried: the input itself is bad
    │   ├── DocumentError        a document that cannot be processed
    │   │   ├── EmptyDocument
    │   │   ├── DocumentTooLarge
    │   │   ├── UnsupportedDocumentType
    │   │   ├── CorruptDocument
    │   │   ├── EncryptedDocument
    │   │   ├── TextDecodingError
    │   │   └── NoTextFound
    │   ├── InvalidEvent         a malformed handler event
    │   ├── InvalidModelOutput   a model answered with something that fails validation
    │   └── TaskNotFound
    └── RetryableError           worth retrying with backoff (listed in ASL Retry)
        ├── ModelUnavailable
        ├── ModelRateLimited
        └── StoreUnavailable
"""

from __future__ import annotations


class SluicewayError(Exception):
    """Base of every error Sluiceway raises on purpose."""

    @property
    def error_name(self) -> str:
        return type(self).__name__


class TerminalError(SluicewayError):
    """The input is at fault: retrying cannot help."""


class RetryableError(SluicewayError):
    """A transient failure: the same call may succeed later."""


class DocumentError(TerminalError):
    """A document that cannot be processed."""


class EmptyDocument(DocumentError):
    """The document has no bytes, or no text at all."""


class DocumentTooLarge(DocumentError):
    """The document exceeds the configured size limit."""


class UnsupportedDocumentType(DocumentError):
    """The document's format is not one Sluiceway can read."""


class CorruptDocument(DocumentError):
    """The document's bytes do not form a valid file of its type."""


class EncryptedDocument(DocumentError):
    """The document is password-protected."""


class TextDecodingError(DocumentError):
    """The bytes are not text in any supported encoding (binary content in a text file)."""


class NoTextFound(DocumentError):
    """The document is valid but holds no extractable text (for example a scanned PDF)."""


class InvalidEvent(TerminalError):
    """A handler was invoked with an event that does not match its input model."""


class InvalidModelOutput(TerminalError):
    """A model's answer failed validation against the expected schema."""


class TaskNotFound(TerminalError):
    """No task with that id exists."""


class ModelUnavailable(RetryableError):
    """The model provider failed or timed out."""


class ModelRateLimited(RetryableError):
    """The model provider rejected the call for rate limits."""


class StoreUnavailable(RetryableError):
    """The database could not be reached."""
