"""`weserve device-token create|list|revoke`: device tokens from the command line.

`create` prints only the token on stdout, so a script can capture it:
    TOKEN=$(weserve device-token create --office PKMD-PJ --kind exchange --name PBX)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from weserve.core.errors import DomainError
from weserve.organisation.devices import create_device, revoke_device
from weserve.organisation.models import Counter, Device, Office

ACTOR = "command line"


class Command(BaseCommand):
    help = "Create, list and revoke device tokens (kiosks, displays, rating tablets, exchange)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{create,list,revoke}"
        )

        create = actions.add_parser("create", help="Create a device and print its token.")
        create.add_argument("--office", required=True, help="Office code, e.g. PKMD-PJ.")
        create.add_argument("--kind", required=True, choices=Device.Kind.values)
        create.add_argument("--name", default="", help="Where it stands; default: kind + number.")
        create.add_argument(
            "--counter", type=int, help="Counter number (required for kind rating)."
        )

        listing = actions.add_parser("list", help="List an office's devices.")
        listing.add_argument("--office", required=True, help="Office code, e.g. PKMD-PJ.")

        revoke = actions.add_parser("revoke", help="Revoke a device by id.")
        revoke.add_argument("--id", type=int, required=True, dest="device_id")

    def run_from_argv(self, argv: list[str]) -> None:
        # argparse exits with 2 on a usage error; scripts get one failure code, 1.
        try:
            super().run_from_argv(argv)
        except SystemExit as exc:
            if exc.code == 2:
                raise SystemExit(1) from exc
            raise

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            self._list(options)
        elif action == "revoke":
            self._revoke(options)

    def _office(self, code: str) -> Office:
        office = Office.objects.filter(code=code.strip().upper()).first()
        if office is None:
            raise CommandError(f"No office with code {code!r}.")
        return office

    def _create(self, options: dict[str, Any]) -> None:
        office = self._office(options["office"])
        kind = options["kind"]
        counter = None
        if options["counter"] is not None:
            if kind != Device.Kind.RATING:
                raise CommandError("--counter is only for kind rating.")
            counter = Counter.objects.filter(office=office, number=options["counter"]).first()
            if counter is None:
                raise CommandError(f"{office.code} has no counter {options['counter']}.")
        elif kind == Device.Kind.RATING:
            raise CommandError("--counter is required for kind rating.")
        try:
            _device, token = create_device(
                office, kind, options["name"], counter=counter, actor=ACTOR
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        # Only the token on stdout: `TOKEN=$(weserve device-token create ...)` works.
        self.stdout.write(token)

    def _list(self, options: dict[str, Any]) -> None:
        office = self._office(options["office"])
        devices = Device.objects.filter(office=office).select_related("counter").order_by("pk")
        self.stdout.write("id\tkind\tname\tcounter\tcreated\tlast_seen\tstatus")
        for device in devices:
            status = "revoked " + _stamp(device.revoked_at) if device.revoked_at else "active"
            self.stdout.write(
                "\t".join(
                    [
                        str(device.pk),
                        device.kind,
                        device.name,
                        str(device.counter.number) if device.counter else "-",
                        _stamp(device.created_at),
                        _stamp(device.last_seen_at) if device.last_seen_at else "-",
                        status,
                    ]
                )
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        device = Device.objects.select_related("office").filter(pk=options["device_id"]).first()
        if device is None:
            raise CommandError(f"No device with id {options['device_id']}.")
        if not revoke_device(device, actor=ACTOR):
            raise CommandError(f"Device {device.pk} ({device.name}) was already revoked.")
        self.stdout.write(f"Revoked device {device.pk} ({device.name}) of {device.office.code}.")


def _stamp(at: Any) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
