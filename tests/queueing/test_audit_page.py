"""/audit/ tells the queue's day in sentences, in Malay and English (issue 14, item 8)."""

from __future__ import annotations

import re

from tests.factories import issue_ticket
from weserve.organisation.models import Counter
from weserve.queueing import services


def sentences(client, language: str) -> list[str]:
    client.cookies["weserve_language"] = language
    html = client.get("/audit/").content.decode()
    found = re.findall(r'data-testid="audit-sentence">([^<]*)<', html)
    return [re.sub(r"\s+", " ", text).strip() for text in found]


def test_a_transfer_and_a_break_read_as_sentences_in_both_languages(tree, users, client_for, clock):
    staff = users["petugas"]
    one = Counter.objects.get(office=tree.pj, number=1)
    five = Counter.objects.create(office=tree.pj, number=5)
    five.services.set(tree.services.values())
    services.open_counter(one, acting_user=staff)
    for _ in range(3):
        issue_ticket(tree.pj, tree.services["BKK"])
    for _ in range(2):
        done = services.call_next(one, acting_user=staff)
        services.complete(done, acting_user=staff)
    a003 = services.call_next(one, acting_user=staff)
    services.transfer(a003, acting_user=staff, to_counter=five)
    services.pause_counter(one, acting_user=staff, reason="Solat")

    client = client_for("penyelia")
    malay = sentences(client, "ms")
    assert malay[:3] == [
        "Kaunter 1 berehat: Solat",
        "Tiket A003 dipindahkan dari Kaunter 1 ke Kaunter 5",
        "Tiket A003 dipanggil ke Kaunter 1",
    ]
    assert "Tiket A001 dikeluarkan untuk perkhidmatan BKK" in malay
    assert "Kaunter 1 dibuka" in malay

    english = sentences(client, "en")
    assert english[:3] == [
        "Counter 1 paused: Solat",
        "Ticket A003 transferred from counter 1 to counter 5",
        "Ticket A003 called to counter 1",
    ]
    html = client.get("/audit/").content.decode()
    for code in (
        "queueing.ticket.transferred\n",
        ">queueing.",
        "from_counter",
        "organisation.counter #",
    ):
        assert code not in html
