"""Refusals: one English text for the CLI, the same refusal in Indonesian for the portal, none missing."""

from __future__ import annotations

import string
from datetime import time

import pytest

import admin.categories
import admin.category_lists
import admin.exceptions
import admin.forms
import admin.list_formats
import admin.policy_rules
import admin.quotas
import admin.samawa.token_store
import admin.schedules
import proxy_addons.hostnames
import proxy_addons.rules
from admin.i18n import REFUSALS, refusal_text, translator
from admin.policy_rules import RuleSpec, validate
from proxy_addons.rules import Rule, RuleError
from smedi.refusals import Refusal

# Every module that defines a refusal, imported above so that the subclasses below are all known.
MODULES = (admin.categories, admin.category_lists, admin.exceptions, admin.forms, admin.list_formats,
           admin.policy_rules, admin.quotas, admin.samawa.token_store, admin.schedules,
           proxy_addons.hostnames, proxy_addons.rules)  # fmt: skip


def every_refusal_class(cls: type[Refusal] = Refusal) -> list[type[Refusal]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *every_refusal_class(sub)]
    return found


def fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def english_messages() -> dict[str, str]:
    messages: dict[str, str] = {}
    for cls in every_refusal_class():
        for key, english in cls.MESSAGES.items():
            assert messages.setdefault(key, english) == english, f"{key} means two things"
    return messages


def test_every_refusal_has_its_indonesian_with_the_same_fields() -> None:
    messages = english_messages()
    assert {cls.__module__ for cls in every_refusal_class()} >= {m.__name__ for m in MODULES}
    assert set(REFUSALS) == set(messages), "Indonesian missing or left over"
    for key, english in messages.items():
        assert fields(REFUSALS[key]) == fields(english), key


def test_an_unknown_key_is_a_bug_not_a_silent_message() -> None:
    with pytest.raises(KeyError):
        admin.schedules.ScheduleError("schedule_typo")


@pytest.mark.parametrize(
    ("refusal", "english", "indonesian"),
    [
        (
            admin.schedules.ScheduleError(
                "schedule_window_backwards", weekday=2, starts=time(13), ends=time(12, 30)
            ),
            "weekday 2: the window ends (12:30) before it starts (13:00)",
            "hari ke-2: jendela waktu selesai (12:30) sebelum mulai (13:00)",
        ),
        (
            admin.category_lists.ListError("list_unknown_category", slug="x"),
            "unknown category 'x'; see 'smedi lists show' for the categories",
            "kategori 'x' tidak dikenal",
        ),
        (
            admin.forms.FormError("form_too_long", field="name", max_length=80),
            "name: longer than 80 characters",
            "name: lebih dari 80 karakter",
        ),
    ],
)
def test_a_refusal_reads_in_either_language(refusal: Refusal, english: str, indonesian: str) -> None:
    assert str(refusal) == english == refusal_text(refusal, "en") == translator("en")(refusal)
    assert refusal_text(refusal, "id") == indonesian == translator("id")(refusal)


def test_a_nested_reason_is_in_the_same_language() -> None:
    with pytest.raises(RuleError) as refused:
        Rule(0, "block", "domain", pattern="")
    assert str(refused.value) == "domain '': empty host"
    assert refusal_text(refused.value, "id") == "domain '': nama host kosong"


@pytest.mark.parametrize(
    ("spec", "english"),
    [
        # What the CLI printed before refusals had keys: its messages stay as they were.
        (RuleSpec("block", "domain", "x.test", scope="galaxy"),
         "unknown scope 'galaxy'; scopes are everyone, org, role, employee"),
        (RuleSpec("block", "domain", "x.test", scope="org"),
         "an OPD, role or employee scope needs its name; 'everyone' takes none"),
        (RuleSpec("nuke", "domain", "x.test"),
         "unknown action 'nuke'; actions are allow, block, passthrough, warn"),
        (RuleSpec("block", "url_regex", r"(a)\1"),
         "regular expression refused (invalid escape sequence: \\1); backreferences and lookaround are not "
         "supported"),
        (RuleSpec("passthrough", "url_prefix", "x.test/a"),
         "pass-through needs a category or domain match: a URL is only seen after decryption"),
        (RuleSpec("block", "url_prefix", "http://:x/"), "URL prefix 'http://:x/': port is not a number"),
    ],
)  # fmt: skip
def test_the_cli_messages_are_unchanged(spec: RuleSpec, english: str) -> None:
    with pytest.raises(RuleError) as refused:
        validate(spec)
    assert str(refused.value) == english
