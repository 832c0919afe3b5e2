"""Refusals explained to a person: a stable key and its parameters; str() is the English text.

The command line prints str(); the portal shows the same refusal in the reader's language (admin/i18n.py
holds the Indonesian, keyed by `key`). The English stays beside the code that refuses, in its class's
MESSAGES, so each message is written once per language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar


class Refusal(ValueError):
    """Base of the errors whose message is for the person who asked; subclasses list their MESSAGES."""

    # key → English template for str.format; keys are unique across all refusals (a test checks)
    MESSAGES: ClassVar[Mapping[str, str]] = {}

    def __init__(self, key: str, **params: object) -> None:
        if key not in self.MESSAGES:
            raise KeyError(
                f"{type(self).__name__} has no message {key!r}"
            )  # a typo must fail, not say nothing
        super().__init__(key, params)
        self.key = key
        self.params = params

    def render(self, template_of: Callable[[Refusal], str]) -> str:
        """The message from `template_of(refusal)`; a refusal given as a parameter renders the same way."""
        params = {k: v.render(template_of) if isinstance(v, Refusal) else v for k, v in self.params.items()}
        return template_of(self).format(**params)

    def __str__(self) -> str:
        return self.render(lambda refusal: refusal.MESSAGES[refusal.key])
