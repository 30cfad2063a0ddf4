"""The reference shelf's pages: thin — parse, check access (weserve.knowledge.access),
call one service or selector, render. Another office's article, or a draft, is 404; a
wrong role 403. A refusal re-renders the form with what was typed and a translated
message per field."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.roles import Role, has_role
from weserve.knowledge import selectors, services
from weserve.knowledge.access import (
    can_edit,
    must_acknowledge,
    require_editor,
    require_follow_up,
    require_reader,
)
from weserve.knowledge.forms import ApproveForm
from weserve.knowledge.models import Acknowledgement, Agency, Article, EmergencyContact, Kind
from weserve.knowledge.selectors import MAX_QUERY
from weserve.knowledge.services import InvalidInput
from weserve.organisation.models import Office
from weserve.queueing.notices import charter_for


def _article(request: HttpRequest, pk: int) -> Article:
    require_reader(request.user)
    return get_object_or_404(selectors.articles_for(request.user), pk=pk)


def _shelf_context(request: HttpRequest) -> dict[str, object]:
    user = request.user
    read = set(
        Acknowledgement.objects.filter(user=user).values_list("article_id", "version")
        if must_acknowledge(user)
        else ()
    )
    return {
        "kinds": Kind.choices,
        "read": read,
        "asks_acknowledgement": must_acknowledge(user),
        "can_edit": can_edit(user),
        "follows_up": has_role(user, Role.SUPERVISOR, Role.HEAD),
        "today": clock.business_day(),
    }


def _rows(articles: list[Article], context: dict[str, object]) -> list[dict[str, object]]:
    read = context["read"]
    today = context["today"]
    return [
        {
            "article": a,
            "unread": bool(context["asks_acknowledgement"])
            and a.is_approved
            and (a.pk, a.version) not in read,  # type: ignore[operator]
            "overdue": a.is_approved and a.review_due is not None and a.review_due <= today,  # type: ignore[operator]
        }
        for a in articles
    ]


@never_cache
@login_required
@require_GET
def shelf(request: HttpRequest) -> HttpResponse:
    """The shelf: every article this person may read, by kind."""
    require_reader(request.user)
    kind = request.GET.get("kind", "")
    articles = selectors.articles_for(request.user)
    if kind in Kind.values:
        articles = articles.filter(kind=kind)
    else:
        kind = ""
    context = _shelf_context(request)
    context.update(
        kind=kind, rows=_rows(list(articles.order_by("kind", "title_ms", "pk")), context)
    )
    return render(request, "knowledge/shelf.html", context)


@never_cache
@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search the shelf in Malay or English (also what the "/" shortcut opens)."""
    require_reader(request.user)
    query = request.GET.get("q", "")[:MAX_QUERY]
    context = _shelf_context(request)
    found = selectors.search(selectors.articles_for(request.user), query)
    context.update(
        query=query,
        words=selectors.search_words(query),
        rows=_rows(list(found.order_by("kind", "title_ms", "pk")), context),
    )
    return render(request, "knowledge/search.html", context)


@never_cache
@login_required
@require_GET
def article(request: HttpRequest, pk: int) -> HttpResponse:
    found = _article(request, pk)
    user = request.user
    context = _shelf_context(request)
    read = (
        Acknowledgement.objects.filter(article=found, version=found.version, user=user).first()
        if found.is_approved
        else None
    )
    context.update(
        article=found,
        sections=selectors.sections_of(found),
        acknowledgement=read,
        must_acknowledge=must_acknowledge(user) and found.is_approved and read is None,
        overdue=found.is_approved
        and found.review_due is not None
        and found.review_due <= context["today"],  # type: ignore[operator]
    )
    return render(request, "knowledge/article.html", context)


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    found = _article(request, pk)
    services.acknowledge(found, acting_user=request.user)
    return redirect("knowledge_article", pk=found.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator approves a draft as the article's next version."""
    require_reader(request.user)
    found = get_object_or_404(Article.objects.select_related("office"), pk=pk)
    require_editor(request.user, found)
    status = 200
    if request.method == "POST":
        form = ApproveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.approve_article(
                    found,
                    acting_user=request.user,
                    what_changed_ms=data["what_changed_ms"],
                    what_changed_en=data["what_changed_en"],
                    review_due=data["review_due"],
                )
            except InvalidInput as exc:
                form.add_service_errors(exc.fields)
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                return redirect("knowledge_article", pk=found.pk)
        status = 422
    else:
        form = ApproveForm()
    return render(
        request, "knowledge/approve.html", {"article": found, "form": form}, status=status
    )


@login_required
@require_GET
def article_file(request: HttpRequest, pk: int) -> FileResponse:
    """A brochure's file, to print or hand over."""
    found = _article(request, pk)
    if not found.file:
        raise Http404
    try:
        handle = found.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, content_type="application/pdf", filename=Path(found.file.name).name)


@never_cache
@login_required
@require_GET
def agencies(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    return render(
        request, "knowledge/directory.html", {"agencies": selectors.directory(request.user, Agency)}
    )


@never_cache
@login_required
@require_GET
def emergency(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    contacts = selectors.directory(request.user, EmergencyContact)
    return render(request, "knowledge/emergency.html", {"contacts": contacts})


@never_cache
@login_required
@require_GET
def acknowledgements(request: HttpRequest) -> HttpResponse:
    """For the supervisor: who of the office has not read which article's current
    version, and which articles are due for review."""
    office = getattr(request, "office", None)
    require_follow_up(request.user, office)
    today = clock.business_day()
    context = {
        "office": office,
        "unread": _by_article(selectors.unacknowledged(office)),
        "overdue": list(
            selectors.review_overdue(
                Article.objects.filter(office__in=selectors.offices_reached_by(office)), today
            )
            .select_related("owner")
            .order_by("review_due", "pk")
        ),
    }
    return render(request, "knowledge/acknowledgements.html", context)


def _by_article(unread: list[selectors.Unread]) -> list[dict[str, object]]:
    """The unread rows grouped by article, in the selector's order."""
    groups: dict[int, dict[str, object]] = {}
    for row in unread:
        group = groups.setdefault(row.article.pk, {"article": row.article, "people": []})
        group["people"].append(row)  # type: ignore[attr-defined]
    return list(groups.values())


@require_GET
def public_charter(request: HttpRequest, office_code: str) -> HttpResponse:
    """The office's client charter and JKM's corporate information, for anyone (no
    sign-in): the same charter the display board's ticker shows."""
    office = get_object_or_404(Office.objects.filter(is_active=True), code=office_code)
    corporate = (
        Article.objects.filter(
            kind=Kind.CORPORATE,
            status="approved",
            office__in=selectors.offices_reached_by(office),
        )
        .prefetch_related("sections")
        .order_by("title_ms", "pk")
    )
    context = {"office": office, "charter": charter_for(office), "corporate": list(corporate)}
    return render(request, "knowledge/public_charter.html", context)
