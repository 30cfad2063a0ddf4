"""Printed documents speak the document's language: the running header names the
department (its official Malay name in a Malay document, "Department of Social Welfare"
in an English one) and the page footer says "Halaman" or "Page", not both."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from weserve.core import documents


def _pdf_text(language: str) -> str:
    """The words a reader sees on the printed pages, as WeasyPrint laid them out."""
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import TextBox

    with translation.override(language):
        html = render_to_string(
            "core/print_base.html",
            {"title": "Laporan ujian", "office": {"name": "PKMD Petaling Jaya"}},
        )
    document = HTML(
        string=html, base_url="http://weserve.invalid/", url_fetcher=documents._fetcher()
    ).render()
    words = [
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    ]
    return " ".join(words)


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("en", ["Department of Social Welfare", "Page 1 / 1"], ["Jabatan", "Halaman"]),
        ("ms", ["Jabatan Kebajikan Masyarakat", "Halaman 1 / 1"], ["Department", "Page"]),
    ],
)
def test_the_header_and_page_numbers_follow_the_documents_language(language, shown, not_shown):
    text = _pdf_text(language)
    for words in shown:
        assert words in text, text
    for words in not_shown:
        assert words not in text, text
    assert "PKMD Petaling Jaya" in text
