"""Reads of the shelf that several pages share: what a person may read, the search, and
who has not yet read an article's current version."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from weserve.core.models import User
from weserve.knowledge.access import ACK_ROLES, ancestor_ids, reach_office_ids, readable
from weserve.knowledge.models import (
    Acknowledgement,
    Agency,
    Article,
    ArticleSection,
    EmergencyContact,
    Status,
)
from weserve.organisation.models import Office

# A query is cut to this many words, each of at least two letters.
MAX_WORDS = 8
MAX_QUERY = 200
_WORD = re.compile(r"\w{2,}", re.UNICODE)

ARTICLE_TEXT = ("title_ms", "title_en", "summary_ms", "summary_en")
SECTION_TEXT = ("heading_ms", "heading_en", "body_ms", "body_en")


def articles_for(user: Any) -> QuerySet[Article]:
    """The articles this person may open, with what a list shows of each."""
    return Article.objects.filter(readable(user)).select_related("office", "service")


def search_words(query: str) -> list[str]:
    """The words of a query (letters and digits, at least two), lower-cased, at most eight."""
    words: list[str] = []
    for word in _WORD.findall((query or "")[:MAX_QUERY].lower()):
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


# What may come just before a word inside a text: a word starts there.
_WORD_STARTS = (" ", "\n", "(", "/", "-", '"', "'", "“", "‘")


def _starts_a_word(field: str, word: str) -> Q:
    """The field has a word beginning with `word` (at its start or after a space or
    punctuation mark), case-insensitive."""
    found = Q(**{f"{field}__istartswith": word})
    for before in _WORD_STARTS:
        found |= Q(**{f"{field}__icontains": before + word})
    return found


def search(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    """Articles holding every word of the query, in Malay or English, in the title, the
    summary or any section. A query word matches the start of a word in the text
    ("lahir" finds "lahir" and "lahirnya", "oku" finds "OKU" but not "dokumen").
    One path on SQLite and PostgreSQL (case-insensitive LIKE), so both give the same
    answer. No words: nothing."""
    words = search_words(query)
    if not words:
        return articles.none()
    for word in words:
        in_article = Q()
        for field in ARTICLE_TEXT:
            in_article |= _starts_a_word(field, word)
        in_section = Q()
        for field in SECTION_TEXT:
            in_section |= _starts_a_word(field, word)
        sections = ArticleSection.objects.filter(in_section, article=OuterRef("pk"))
        articles = articles.filter(in_article | Q(Exists(sections)))
    return articles


def sections_of(article: Article) -> list[ArticleSection]:
    return list(article.sections.all())


def offices_reached_by(office: Office) -> set[int]:
    """The offices whose articles reach this office: itself and those above it."""
    return {office.pk} | ancestor_ids({office.pk})


def directory(user: Any, model: type[Agency] | type[EmergencyContact]) -> QuerySet[Any]:
    """The active agencies or emergency contacts this person's offices reach."""
    return model.objects.filter(is_active=True, office__in=reach_office_ids(user)).select_related(
        "office"
    )


def review_overdue(articles: QuerySet[Article], today: dt.date) -> QuerySet[Article]:
    """Approved articles whose review date has come."""
    return articles.filter(status=Status.APPROVED, review_due__lte=today)


@dataclass(frozen=True)
class Unread:
    """A reader of the office who has not acknowledged an article's current version."""

    user: User
    name: str
    article: Article


def readers_of(office: Office) -> QuerySet[User]:
    """The office's counter staff and telephone operators, who acknowledge what they read."""
    return (
        User.objects.filter(
            is_active=True,
            staff__home_office=office,
            staff__is_active=True,
            groups__name__in=[r.value for r in ACK_ROLES],
        )
        .distinct()
        .select_related("staff")
        .order_by("staff__name", "pk")
    )


def unacknowledged(office: Office) -> list[Unread]:
    """Who of the office has not read which approved article reaching the office (its
    current version), article by article. Two queries plus one, however many rows."""
    articles = list(
        Article.objects.filter(status=Status.APPROVED, office__in=offices_reached_by(office))
        .select_related("office")
        .order_by("kind", "title_ms", "pk")
    )
    readers = list(readers_of(office))
    read = set(
        Acknowledgement.objects.filter(
            article__in=[a.pk for a in articles], user__in=[u.pk for u in readers]
        ).values_list("article_id", "version", "user_id")
    )
    return [
        Unread(user=user, name=user.staff.name, article=article)
        for article in articles
        for user in readers
        if (article.pk, article.version, user.pk) not in read
    ]


def has_read(article: Article, user: Any) -> bool:
    return Acknowledgement.objects.filter(
        article=article, version=article.version, user_id=getattr(user, "pk", None)
    ).exists()
