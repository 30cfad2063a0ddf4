"""The shelf's API: other consoles (the telephone operator's) and JKM systems search the
shelf, read an article and acknowledge it. Read-only apart from the acknowledgement;
articles are written in the admin. The same rules as the pages
(weserve.knowledge.access): a person with a staff role, never a device (403); an
article they may not read, or a draft, is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from weserve.core.api import principal
from weserve.knowledge import selectors, services
from weserve.knowledge.access import require_reader
from weserve.knowledge.models import Article
from weserve.knowledge.selectors import MAX_QUERY

router = Router(tags=["knowledge"])


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, str] | None = None


class ArticleSummaryOut(Schema):
    id: int
    kind: str
    office: str = Field(description="The office the article belongs to (HQ: national)")
    service: str | None = Field(description="The service's code, if it is about one")
    title_ms: str
    title_en: str
    summary_ms: str
    summary_en: str
    status: str
    version: int
    review_due: dt.date | None


class SectionOut(Schema):
    heading_ms: str
    heading_en: str
    body_ms: str
    body_en: str


class ArticleOut(ArticleSummaryOut):
    what_changed_ms: str
    what_changed_en: str
    approved_at: dt.datetime | None
    sections: list[SectionOut]
    read: bool = Field(description="The caller has acknowledged this version")


class AcknowledgementOut(Schema):
    article: int
    version: int
    acknowledged_at: dt.datetime


def _summary(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "kind": article.kind,
        "office": article.office.code,
        "service": article.service.code if article.service_id else None,
        "title_ms": article.title_ms,
        "title_en": article.title_en,
        "summary_ms": article.summary_ms,
        "summary_en": article.summary_en,
        "status": article.status,
        "version": article.version,
        "review_due": article.review_due,
    }


def _reader(request: HttpRequest) -> Any:
    caller = principal(request)
    require_reader(caller.user)
    return caller.user


def _article(request: HttpRequest, article_id: int) -> tuple[Any, Article]:
    user = _reader(request)
    return user, get_object_or_404(selectors.articles_for(user), pk=article_id)


_Q = Query(..., max_length=MAX_QUERY, description="Words in Malay or English")
_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/shelf/search", response={200: list[ArticleSummaryOut], **_ERRORS})
def search_shelf(request: HttpRequest, q: str = _Q) -> Any:
    """Articles the caller may read holding every word of `q` (start of a word)."""
    user = _reader(request)
    found = selectors.search(selectors.articles_for(user), q).order_by("kind", "title_ms", "pk")
    return [_summary(a) for a in found]


@router.get("/shelf/articles/{article_id}", response={200: ArticleOut, **_ERRORS})
def get_article(request: HttpRequest, article_id: int) -> Any:
    """An article with its sections, and whether the caller has read this version."""
    user, article = _article(request, article_id)
    return {
        **_summary(article),
        "what_changed_ms": article.what_changed_ms,
        "what_changed_en": article.what_changed_en,
        "approved_at": article.approved_at,
        "sections": [
            {
                "heading_ms": s.heading_ms,
                "heading_en": s.heading_en,
                "body_ms": s.body_ms,
                "body_en": s.body_en,
            }
            for s in selectors.sections_of(article)
        ],
        "read": article.is_approved and selectors.has_read(article, user),
    }


@router.post(
    "/shelf/articles/{article_id}/acknowledge", response={200: AcknowledgementOut, **_ERRORS}
)
def acknowledge_article(request: HttpRequest, article_id: int) -> Any:
    """The caller has read the article's current version (once per version)."""
    user, article = _article(request, article_id)
    ack = services.acknowledge(article, acting_user=user)
    return {"article": article.pk, "version": ack.version, "acknowledged_at": ack.acknowledged_at}
