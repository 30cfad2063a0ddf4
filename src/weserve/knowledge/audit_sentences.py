"""The sentences of the reference shelf's audit actions, for the audit log page
(registered in `KnowledgeConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import Sentence

SENTENCES: dict[str, Sentence] = {
    "knowledge.article.approved": _(
        "Article approved as version %(version)s, review due %(review_due)s"
    ),
    "knowledge.article.returned_to_draft": _(
        "Article returned to draft (version %(version)s) for editing"
    ),
    "knowledge.article.acknowledged": _("Article version %(version)s acknowledged as read"),
}
