"""The page shell: language switch, office switcher, menu, error pages, and what pages load."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from tests.factories import PASSWORD


def current_office(html: str) -> str:
    return re.search(r'data-testid="current-office">([^<]*)<', html).group(1)


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def pressed_language(html: str) -> str:
    buttons = re.findall(r'<button[^>]*data-testid="lang-(\w+)"[^>]*aria-pressed="(\w+)"', html)
    assert {lang for lang, _ in buttons} == {"ms", "en"}
    return next(lang for lang, pressed in buttons if pressed == "true")


def switch_language(client: Client, language: str, next_url: str) -> str:
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url}, follow=True)
    return response.content.decode()


# --- Language ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_page_is_in_malay_by_default():
    html = Client().get("/accounts/login/").content.decode()

    assert html_lang(html) == "ms"
    assert pressed_language(html) == "ms"
    assert "Kata laluan" in html  # Django's own Malay label for "Password"
    assert ">Password<" not in html


@pytest.mark.django_db
def test_language_switch_flips_the_sign_in_page_to_english_and_back():
    client = Client()

    english = switch_language(client, "en", "/accounts/login/")
    assert html_lang(english) == "en"
    assert pressed_language(english) == "en"
    assert ">Password<" in english

    malay = switch_language(client, "ms", "/accounts/login/")
    assert html_lang(malay) == "ms"
    assert "Kata laluan" in malay


def test_language_switch_flips_signed_in_pages_and_is_remembered(users, client_for):
    client = client_for("petugas")

    english = switch_language(client, "en", "/")
    assert html_lang(english) == "en"
    assert "Sign out" in english
    assert html_lang(client.get("/accounts/password/").content.decode()) == "en"

    malay = switch_language(client, "ms", "/")
    assert html_lang(malay) == "ms"


def test_every_page_offers_the_language_switch(users, client_for):
    client = client_for("penyelia")
    pages = [
        client.get("/"),
        client.get("/accounts/password/"),
        client.get("/accounts/password/done/"),
        client.get("/no-such-page/"),
        Client().get("/accounts/login/"),
    ]
    for response in pages:
        html = response.content.decode()
        assert 'data-testid="lang-en"' in html and 'data-testid="lang-ms"' in html, response


# --- Office switcher -------------------------------------------------------------------


def test_office_switcher_moves_a_head_to_an_office_below(tree, users, client_for):
    client = client_for("ketua")
    assert current_office(client.get("/").content.decode()).startswith("JKMN-SGR")

    html = client.post(
        "/office/switch/", {"office": tree.pj.pk, "next": "/"}, follow=True
    ).content.decode()

    assert current_office(html).startswith("PKMD-PJ")
    assert "Pejabat PKMD-PJ" in html


def test_office_switcher_refuses_an_office_one_cannot_see(tree, users, client_for):
    client = client_for("ketua")

    response = client.post("/office/switch/", {"office": tree.jb.pk, "next": "/"}, follow=True)

    html = response.content.decode()
    assert current_office(html).startswith("JKMN-SGR")
    assert 'class="alert alert-error" role="alert"' in html
    assert "PKMD-JB" not in html


def test_office_switcher_lists_only_visible_offices(tree, users, client_for):
    html = client_for("ketua").get("/").content.decode()

    select = re.search(r'<select[^>]*name="office".*?</select>', html, re.S).group(0)
    assert sorted(re.findall(r"<option[^>]*>([\w-]+) ", select)) == [
        "JKMN-SGR",
        "PKMD-KLANG",
        "PKMD-PJ",
    ]


def test_office_switcher_is_hidden_from_people_with_one_office(users, client_for):
    html = client_for("petugas").get("/").content.decode()

    assert 'name="office"' not in html
    assert current_office(html).startswith("PKMD-PJ")


# --- Menu and account --------------------------------------------------------------------


def test_menu_offers_administration_to_administrators_only(users, client_for):
    admin_html = client_for("admin").get("/").content.decode()
    staff_html = client_for("petugas").get("/").content.decode()

    assert 'class="nav-link" href="/admin/"' in admin_html
    assert 'href="/admin/"' not in staff_html
    assert 'class="nav-link" href="/" aria-current="page"' in staff_html


def test_sign_out_and_password_change_are_in_the_user_menu(users, client_for):
    html = client_for("petugas").get("/").content.decode()

    assert re.search(r'<form action="/accounts/logout/" method="post">', html)
    assert 'href="/accounts/password/"' in html


def test_sign_in_keeps_the_typed_username_after_a_wrong_password(users):
    response = Client().post(
        "/accounts/login/", {"username": "petugas1", "password": "wrong-password"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input type="text" name="username" value="petugas1"', html)
    assert 'role="alert"' in html


def test_sign_in_leads_to_the_home_page(users):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "petugas1", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert current_office(response.content.decode()).startswith("PKMD-PJ")


def test_locked_out_page_says_to_wait_fifteen_minutes(users):
    client = Client()
    client.cookies["weserve_language"] = "en"
    for _ in range(5):
        client.post("/accounts/login/", {"username": "petugas1", "password": "wrong-password"})

    response = client.post("/accounts/login/", {"username": "petugas1", "password": PASSWORD})

    assert response.status_code == 429
    html = response.content.decode()
    assert "Try again in 15 minutes." in html
    assert 'data-testid="lang-ms"' in html


# --- Error pages -------------------------------------------------------------------------


def test_not_found_page_is_translated_and_leads_home(users, client_for):
    client = client_for("petugas")

    malay = client.get("/no-such-page/")
    client.cookies["weserve_language"] = "en"
    english = client.get("/no-such-page/")

    assert malay.status_code == 404
    assert html_lang(malay.content.decode()) == "ms"
    assert "Page not found" in english.content.decode()
    assert 'class="btn btn-primary" href="/"' in english.content.decode()


def test_forbidden_and_server_error_pages_lead_home(rf: RequestFactory, users):
    request = rf.get("/")
    request.user = users["petugas"]
    request.office = None
    pages = [render_to_string("403.html", request=request), render_to_string("500.html")]

    for html in pages:
        assert 'class="btn btn-primary" href="/"' in html


# --- What pages load ---------------------------------------------------------------------


def rendered_pages(users) -> dict[str, str]:
    signed_in = Client()
    signed_in.force_login(users["ketua"])
    admin = Client()
    admin.force_login(users["admin"])
    request = RequestFactory().get("/")
    request.user = users["petugas"]
    request.office = None
    return {
        "login": Client().get("/accounts/login/").content.decode(),
        "home (head)": signed_in.get("/").content.decode(),
        "home (admin)": admin.get("/").content.decode(),
        "password change": signed_in.get("/accounts/password/").content.decode(),
        "password changed": signed_in.get("/accounts/password/done/").content.decode(),
        "404": signed_in.get("/no-such-page/").content.decode(),
        "403": render_to_string("403.html", request=request),
        "500": render_to_string("500.html"),
        "csrf failure": render_to_string("403_csrf.html"),
        "signed out": render_to_string("registration/logged_out.html", request=request),
    }


def test_pages_load_nothing_from_other_hosts(users):
    for name, html in rendered_pages(users).items():
        for attribute, url in re.findall(r'\b(src|href|action)="([^"]*)"', html):
            assert url.startswith(("/", "#")), f"{name}: {attribute}={url}"
        assert "//" not in " ".join(re.findall(r'\bsrcset="([^"]*)"', html)), name


def test_pages_need_no_inline_script_or_style(users):
    # The Content-Security-Policy allows scripts and styles from WeServe's own files only.
    for name, html in rendered_pages(users).items():
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), name
        assert "<style" not in html, name
        assert not re.search(r"\sstyle=", html), name
        assert not re.search(r"\son[a-z]+=", html), name
        assert "hx-on" not in html, name


def test_pages_have_landmarks_a_skip_link_and_htmx_configured(users):
    html = rendered_pages(users)["home (head)"]

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert re.search(r'<nav aria-label="[^"]+">', html)
    assert "<header" in html and "<footer" in html
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', html)
    assert config is not None
    settings = json.loads(config.group(1))
    assert settings["includeIndicatorStyles"] is False
    # Swapped-in content is wired by htmx at once, never visible and inert for a moment.
    assert settings["defaultSettleDelay"] == 0
    assert 'src="/static/weserve/js/htmx.min.js"' in html


def test_stylesheet_scripts_and_fonts_are_served_by_weserve_itself():
    css_path = finders.find("weserve/css/app.css")
    assert css_path is not None
    css = open(css_path, encoding="utf-8").read()
    for url in re.findall(r"url\(([^)]*)\)", css):
        assert url.strip("'\"").startswith("../fonts/"), url
        assert finders.find("weserve/fonts/" + url.strip("'\"")[len("../fonts/") :])
    assert "@media print" in css
    htmx = open(finders.find("weserve/js/htmx.min.js"), encoding="utf-8").read()
    assert re.search(r'version:"2\.0\.\d+"', htmx)
    assert finders.find("weserve/js/app.js") is not None


def test_malay_is_the_default_even_when_the_browser_asks_for_english(db):
    from django.test import Client

    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "ms"


def test_menu_marks_only_the_most_specific_entry_current(users, client_for):
    from weserve.core.navigation import menu_for

    class Request:
        path = "/counter/live/"
        user = users["penyelia"]

    active = [e["url"] for e in menu_for(Request()) if e["active"]]
    assert active == ["/counter/live/"]
