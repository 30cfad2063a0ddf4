"""Complaint attachments (PY-6.3, PT-4.3): photographs and PDFs on the public form and
the staff pages, checked by their content (not their name), at most 3 files of 5 MB;
kept under MEDIA_ROOT and served only through the access-checked view; a refused file
refuses the whole complaint."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.feedback.test_complaint_pages import FORM, filled
from tests.feedback.test_complaints import THURSDAY, online
from weserve.feedback import attachment_services as attachments
from weserve.feedback.attachment_models import ComplaintAttachment
from weserve.feedback.complaint_models import Complaint
from weserve.feedback.services import InvalidInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_the_public_form_takes_a_photograph_and_a_pdf(tree, media):
    client = Client()
    response = client.post(
        FORM,
        filled(client)
        | {"attachments": [upload("gambar.png", PNG, "image/png"), upload("surat.pdf", PDF)]},
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    kept = list(complaint.attachments.order_by("pk"))
    assert [a.content_type for a in kept] == ["image/png", "application/pdf"]
    assert [a.original_name for a in kept] == ["gambar.png", "surat.pdf"]
    assert kept[0].file.read() == PNG
    # Kept under MEDIA_ROOT, never under a static URL.
    assert str(media) in kept[0].file.path


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("gambar.png", b"MZ\x90\x00 not a picture", "content"),
        ("program.exe", PNG, "extension"),
        ("gambar.jpg", PNG, "extension disagrees with content"),
        ("halaman.html", b"<html><script>alert(1)</script>", "content"),
        ("besar.pdf", b"%PDF-" + b"0" * (attachments.MAX_BYTES + 1), "size"),
    ],
)
def test_a_wrong_file_refuses_the_whole_complaint_and_keeps_what_was_typed(
    tree, media, name, data, reason
):
    client = Client()
    response = client.post(
        FORM,
        filled(client, description="Kaunter ditutup awal") | {"attachments": [upload(name, data)]},
    )
    assert response.status_code == 422, reason
    page = response.content.decode()
    assert "Kaunter ditutup awal" in page
    assert Complaint.objects.count() == 0
    assert ComplaintAttachment.objects.count() == 0
    assert not any(media.rglob("*.*")), "no file is left behind"


def test_at_most_three_files(tree):
    files = [upload(f"g{i}.jpg", JPEG) for i in range(4)]
    with pytest.raises(InvalidInput) as refused:
        attachments.clean_files(files)
    assert "attachments" in refused.value.fields


def test_files_are_served_only_to_the_complaints_handlers(tree, users, client_for):
    complaint = online(tree.pj).complaint
    supervisor = client_for("penyelia")
    added = supervisor.post(
        f"/feedback/PKMD-PJ/complaints/{complaint.reference}/files/",
        {"attachments": [upload("bukti.jpg", JPEG)]},
    )
    assert added.status_code == 302
    attachment = complaint.attachments.get()
    url = f"/feedback/PKMD-PJ/complaints/{complaint.reference}/files/{attachment.pk}/"
    got = supervisor.get(url)
    assert got.status_code == 200
    assert got["Content-Type"] == "image/jpeg"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in got["Content-Disposition"]
    assert b"".join(got.streaming_content) == JPEG
    assert Client().get(url).status_code in (302, 403, 404)
    assert client_for("petugas").get(url).status_code == 403
    assert client_for("jb_penyelia").get(url).status_code == 404
    # A wrong file on the staff page: 422 with the reason, nothing added.
    refused = supervisor.post(
        f"/feedback/PKMD-PJ/complaints/{complaint.reference}/files/",
        {"attachments": [upload("x.pdf", b"not a pdf")]},
    )
    assert refused.status_code == 422
    assert complaint.attachments.count() == 1
