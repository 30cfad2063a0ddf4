"""What an audit entry says to a person: one sentence per action, in the reader's language.

Every app registers the sentences of the actions it logs, in its `AppConfig.ready()`
(core cannot import the apps above it, so it cannot know their actions):

    register_sentences({
        "queueing.ticket.called": _("Ticket %(number)s called to counter %(counter)s"),
        "queueing.ticket.transferred": transferred_sentence,   # a callable: data -> text
    })

A sentence is a (lazily) translated text with `%(name)s` placeholders, or a callable that
takes the entry's placeholders and returns the text. The placeholders are the entry's
`data`, plus `record` (the target's kind, e.g. "Ticket"), `target` (its id), `actor`, `office`
and `ip`. A placeholder the entry lacks reads "—", so an older entry still makes a
sentence. A sentence for `*.<verb>` serves every action ending in that verb that has
none of its own (core's for the admin's `<app>.<model>.created` and `.changed`). An
action with no sentence at all reads as its record and verb, never as a bare code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext

Sentence = str | Promise | Callable[[Mapping[str, Any]], str]
_sentences: dict[str, Sentence] = {}
MISSING = "—"


def register_sentences(sentences: Mapping[str, Sentence]) -> None:
    """Register the sentences of some actions (an app calls this in its `ready()`)."""
    _sentences.update(sentences)


def sentence_for(action: str) -> Sentence | None:
    """The registered sentence of an action: its own, else its verb's (`*.<verb>`)."""
    found = _sentences.get(action)
    if found is None:
        found = _sentences.get("*." + action.rsplit(".", 1)[-1])
    return found


class _Placeholders(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return MISSING


def record_name(target_type: str) -> str:
    """The kind of a target ("organisation.counter") as a person calls it ("Counter")."""
    if not target_type:
        return ""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    name = str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]


def placeholders(entry: Any) -> _Placeholders:
    data = entry.data if isinstance(entry.data, dict) else {}
    values = _Placeholders(
        (key, MISSING if value is None or value == "" else value) for key, value in data.items()
    )
    values.update(
        record=record_name(entry.target_type) or MISSING,
        target=entry.target_id or MISSING,
        actor=entry.actor or MISSING,
        office=entry.office_code or MISSING,
        ip=entry.ip or MISSING,
    )
    return values


def fallback(entry: Any) -> str:
    """A readable line for an action nobody registered a sentence for: the record (or the
    action's noun), the verb, and the entry's data as "name: value"."""
    parts = entry.action.split(".")
    verb = parts[-1].replace("_", " ")
    record = record_name(entry.target_type)
    if record:
        text = gettext("%(record)s %(target)s: %(verb)s") % {
            "record": record,
            "target": entry.target_id,
            "verb": verb,
        }
    else:
        noun = parts[-2].replace("_", " ").capitalize() if len(parts) >= 2 else ""
        text = f"{noun}: {verb}" if noun else verb.capitalize()
    data = entry.data if isinstance(entry.data, dict) else {}
    details = ", ".join(f"{str(k).replace('_', ' ')}: {v}" for k, v in data.items())
    return f"{text} ({details})" if details else text


def describe(entry: Any) -> str:
    """The sentence of one audit entry (`action`, `data`, `target_type`, `target_id`...)."""
    sentence = sentence_for(entry.action)
    if sentence is None:
        return fallback(entry)
    values = placeholders(entry)
    if callable(sentence):
        return str(sentence(values))
    try:
        return str(sentence) % values
    except (TypeError, ValueError, KeyError):
        return fallback(entry)
