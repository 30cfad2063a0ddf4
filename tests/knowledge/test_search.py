"""Search in Malay and English: every word must be found (title, summary or a section,
in either language), case-insensitive; the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from weserve.knowledge.selectors import articles_for, search, search_words


def titles(user, query):
    return sorted(a.title_ms for a in search(articles_for(user), query))


def test_a_malay_word_finds_the_article(shelf, users):
    assert titles(users["petugas"], "kelahiran") == ["PKW: Bantuan Warga Emas"]
    assert titles(users["petugas"], "Sijil KELAHIRAN") == ["PKW: Bantuan Warga Emas"]


def test_an_english_word_finds_the_article(shelf, users):
    assert titles(users["petugas"], "certificate") == ["PKW: Bantuan Warga Emas"]
    assert titles(users["petugas"], "older persons") == ["PKW: Bantuan Warga Emas"]


def test_every_word_must_be_found(shelf, users):
    assert titles(users["petugas"], "giliran") == ["Prosedur kaunter PJ"]
    assert titles(users["petugas"], "giliran certificate") == []


def test_search_keeps_to_what_the_person_may_read(shelf, users):
    assert titles(users["jb_petugas"], "giliran") == ["Prosedur kaunter JB"]
    assert titles(users["petugas"], "disemak") == []  # a draft
    assert titles(users["admin"], "disemak") == ["Draf notis baharu"]


@pytest.mark.parametrize("query", ["", "  ", "a", "%", "_", "!!", "\\", "'; DROP TABLE"])
def test_no_words_or_odd_characters_find_nothing_or_only_real_words(shelf, users, query):
    found = titles(users["petugas"], query)
    assert found == [] or all(search_words(query))


def test_the_search_page_finds_by_malay_and_english_words(shelf, client_for):
    petugas = client_for("petugas")
    page = petugas.get("/shelf/search/", {"q": "penyata bank"}).content.decode()
    assert f"/shelf/articles/{shelf.national.pk}/" in page
    page = petugas.get("/shelf/search/", {"q": "statement"}).content.decode()
    assert f"/shelf/articles/{shelf.national.pk}/" in page
    page = petugas.get("/shelf/search/", {"q": "tiadaapaapa"}).content.decode()
    assert 'data-testid="no-articles"' in page


def test_the_search_page_keeps_what_was_typed_and_explains_the_shortcut(shelf, client_for):
    page = client_for("petugas").get("/shelf/search/", {"q": "<b>bank</b>"}).content.decode()
    assert 'value="&lt;b&gt;bank&lt;/b&gt;"' in page
    assert 'data-testid="search-help"' in page


def test_a_nul_character_in_the_query_is_refused(shelf, client_for):
    response = client_for("petugas").get("/shelf/search/?q=bank%00")
    assert response.status_code == 400


def test_a_word_matches_the_start_of_words_not_their_middle(shelf, users, tree):
    from tests.knowledge.conftest import approve, write

    approve(
        write(tree.pj, users["admin"], "Pendaftaran OKU", body_ms="Kad (OKU) dikeluarkan."),
        users["admin"],
    )
    # "oku" is inside "dokumen", yet finds only the article where a word starts with it.
    approve(
        write(tree.pj, users["admin"], "Dokumen am", body_ms="Senarai dokumen."), users["admin"]
    )
    assert titles(users["petugas"], "oku") == ["Pendaftaran OKU"]
    assert titles(users["petugas"], "dokumen") == ["Dokumen am"]
    assert titles(users["petugas"], "kelah") == ["PKW: Bantuan Warga Emas"]  # a prefix
