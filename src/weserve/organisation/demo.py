"""Demo data: a small JKM office tree, its services, counters, staff and sign-ins.

`load_demo()` loads every app's demo data in one transaction; `weserve demo` calls it
after creating the keys, migrating and collecting static files. It is safe to run any
number of times: records are found by their natural keys (office code, service code,
username, counter number per office...) and updated, never duplicated, and the demo
accounts get the demo password back.

The convention for apps: an installed app that wants demo data has a module
`<app>/demo.py` with a function `load() -> None`. `load_demo()` calls each one in
INSTALLED_APPS order, so an app's `load()` may rely on the data of the apps listed
before it (organisation's offices, services, counters and people come first, and can be
fetched by code or username, e.g. `Office.objects.get(code="PKMD-PJ")`). A `load()` must
itself be idempotent (`update_or_create` by natural keys), must not call `load_demo()`,
and should write through the app's services where a service exists for the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from weserve.core.audit import log_action
from weserve.core.models import User
from weserve.core.roles import Role
from weserve.organisation.models import (
    Counter,
    CounterService,
    Office,
    OpeningHours,
    Section,
    Service,
    StaffMember,
)

DEMO_PASSWORD = "weserve-demo"  # noqa: S105 - printed for everyone to use; demo only
DEMO_URL = "http://127.0.0.1:8000"
MIDNIGHT = dt.time(0, 0)


@dataclass(frozen=True)
class DemoOffice:
    code: str
    kind: str
    parent: str | None
    state: str
    name_ms: str
    name_en: str
    address: str
    phone: str
    around_the_clock: bool = False


OFFICES = [
    DemoOffice(
        "HQ",
        Office.Kind.HQ,
        None,
        "16",
        "Ibu Pejabat Jabatan Kebajikan Masyarakat",
        "Department of Social Welfare Headquarters",
        "No. 55, Persiaran Perdana, Presint 4\n62100 Putrajaya",
        "03-8000 8000",
    ),
    DemoOffice(
        "JKMN-SGR",
        Office.Kind.STATE,
        "HQ",
        "10",
        "Jabatan Kebajikan Masyarakat Negeri Selangor",
        "Selangor State Social Welfare Department",
        "Tingkat 4, Wisma Darul Ehsan, Persiaran Perbandaran, Seksyen 14\n"
        "40000 Shah Alam, Selangor",
        "03-5544 7000",
    ),
    DemoOffice(
        "PKMD-PJ",
        Office.Kind.DISTRICT,
        "JKMN-SGR",
        "10",
        "Pejabat Kebajikan Masyarakat Daerah Petaling Jaya",
        "Petaling Jaya District Social Welfare Office",
        "Aras 2, Kompleks Pejabat Kerajaan, Jalan Templer, Seksyen 52\n"
        "46050 Petaling Jaya, Selangor",
        "03-7956 2200",
        around_the_clock=True,
    ),
    DemoOffice(
        "PKMD-KLANG",
        Office.Kind.DISTRICT,
        "JKMN-SGR",
        "10",
        "Pejabat Kebajikan Masyarakat Daerah Klang",
        "Klang District Social Welfare Office",
        "Tingkat 1, Bangunan Persekutuan Klang, Jalan Kota\n41000 Klang, Selangor",
        "03-3371 5511",
    ),
    DemoOffice(
        "PKMD-GOMBAK",
        Office.Kind.DISTRICT,
        "JKMN-SGR",
        "10",
        "Pejabat Kebajikan Masyarakat Daerah Gombak",
        "Gombak District Social Welfare Office",
        "Aras 3, Kompleks Pentadbiran Daerah Gombak, Jalan Ipoh Batu 6\n68100 Batu Caves, Selangor",
        "03-6187 3344",
    ),
    DemoOffice(
        "JKMN-JHR",
        Office.Kind.STATE,
        "HQ",
        "01",
        "Jabatan Kebajikan Masyarakat Negeri Johor",
        "Johor State Social Welfare Department",
        "Aras 2, Blok B, Kompleks Pejabat Kerajaan Negeri, Kota Iskandar\n"
        "79100 Iskandar Puteri, Johor",
        "07-266 2400",
    ),
    DemoOffice(
        "PKMD-JB",
        Office.Kind.DISTRICT,
        "JKMN-JHR",
        "01",
        "Pejabat Kebajikan Masyarakat Daerah Johor Bahru",
        "Johor Bahru District Social Welfare Office",
        "Tingkat 5, Wisma Persekutuan, Jalan Air Molek\n80000 Johor Bahru, Johor",
        "07-224 4545",
    ),
    DemoOffice(
        "PKMD-BATUPAHAT",
        Office.Kind.DISTRICT,
        "JKMN-JHR",
        "01",
        "Pejabat Kebajikan Masyarakat Daerah Batu Pahat",
        "Batu Pahat District Social Welfare Office",
        "Tingkat 2, Bangunan Gunasama Persekutuan, Jalan Bakau Condong\n83000 Batu Pahat, Johor",
        "07-434 1212",
    ),
]

# (code, name in Malay, name in English)
SECTIONS = [
    ("BPK", "Bahagian Pembangunan Keluarga", "Family Development Division"),
    ("BWE", "Bahagian Warga Emas", "Older Persons Division"),
    ("BOKU", "Bahagian Pembangunan Orang Kurang Upaya", "Persons with Disabilities Division"),
    ("BKK", "Bahagian Kanak-Kanak", "Children Division"),
    ("KP", "Khidmat Pengurusan", "Management Services"),
]


@dataclass(frozen=True)
class DemoService:
    code: str
    prefix: str
    name_ms: str
    name_en: str
    description_ms: str
    description_en: str
    typical_minutes: int


# JKM's counter services. Prefix letters skip I and O, which customers read as 1 and 0.
SERVICES = [
    DemoService(
        "BKK",
        "A",
        "Bantuan Kanak-Kanak (BKK)",
        "Children's Assistance (BKK)",
        "Bantuan kewangan bulanan kepada keluarga berpendapatan rendah untuk menampung "
        "keperluan kanak-kanak berumur bawah 18 tahun.",
        "Monthly financial aid for low-income families to meet the needs of children under 18.",
        15,
    ),
    DemoService(
        "BWE",
        "B",
        "Bantuan Warga Emas (BWE)",
        "Older Persons' Assistance (BWE)",
        "Bantuan kewangan bulanan kepada warga emas berumur 60 tahun ke atas yang tidak "
        "mempunyai pendapatan atau sokongan keluarga yang mencukupi.",
        "Monthly financial aid for people aged 60 and over without sufficient income or "
        "family support.",
        15,
    ),
    DemoService(
        "EPOKU",
        "C",
        "Elaun Pekerja OKU (EPOKU)",
        "Disabled Workers' Allowance (EPOKU)",
        "Elaun bulanan sebagai insentif kepada OKU berdaftar yang bekerja dan berpendapatan "
        "rendah supaya terus berdikari.",
        "A monthly allowance that encourages registered persons with disabilities in "
        "low-paid work to stay independent.",
        15,
    ),
    DemoService(
        "BTB",
        "D",
        "Bantuan OKU Tidak Berupaya Bekerja (BTB)",
        "Assistance for Disabled Persons Unable to Work (BTB)",
        "Bantuan kewangan bulanan kepada OKU berdaftar yang tidak berupaya bekerja kerana "
        "tahap ketidakupayaan mereka.",
        "Monthly financial aid for registered persons with disabilities whose disability "
        "prevents them from working.",
        15,
    ),
    DemoService(
        "BPT",
        "E",
        "Bantuan Penjagaan OKU Terlantar dan Pesakit Kronik Terlantar (BPT)",
        "Care Allowance for Bedridden Disabled and Chronically Ill Persons (BPT)",
        "Bantuan kewangan bulanan kepada penjaga OKU terlantar atau pesakit kronik terlantar "
        "yang memerlukan penjagaan sepenuh masa.",
        "Monthly financial aid for the carer of a bedridden disabled or chronically ill "
        "person who needs full-time care.",
        20,
    ),
    DemoService(
        "BA",
        "F",
        "Bantuan Am (BA)",
        "General Assistance (BA)",
        "Bantuan kewangan bulanan kepada individu atau keluarga yang menghadapi kesempitan "
        "hidup dan tidak layak bagi bantuan lain.",
        "Monthly financial aid for individuals or families in hardship who do not qualify "
        "for other schemes.",
        15,
    ),
    DemoService(
        "OKU",
        "G",
        "Pendaftaran OKU",
        "Registration of Persons with Disabilities",
        "Pendaftaran orang kurang upaya dan pengeluaran Kad OKU berdasarkan pengesahan "
        "pengamal perubatan.",
        "Registration of persons with disabilities and issue of the OKU card, on a "
        "medical practitioner's certification.",
        20,
    ),
    DemoService(
        "PKK",
        "H",
        "Perlindungan Kanak-Kanak",
        "Child Protection",
        "Laporan dan khidmat perlindungan bagi kanak-kanak yang memerlukan pemeliharaan dan "
        "perlindungan di bawah Akta Kanak-Kanak 2001.",
        "Reports and protection services for children in need of care and protection under "
        "the Child Act 2001.",
        25,
    ),
    DemoService(
        "PWE",
        "J",
        "Perkhidmatan Warga Emas",
        "Services for Older Persons",
        "Permohonan ke Rumah Seri Kenangan, Pusat Aktiviti Warga Emas (PAWE) dan khidmat "
        "bantu di rumah.",
        "Applications to Rumah Seri Kenangan care homes, senior citizens' activity centres "
        "(PAWE) and home help.",
        15,
    ),
    DemoService(
        "INFO",
        "K",
        "Pertanyaan Am",
        "General Enquiries",
        "Maklumat mengenai perkhidmatan, syarat kelayakan dan borang JKM.",
        "Information about JKM services, eligibility and forms.",
        5,
    ),
    DemoService(
        "ADUAN",
        "L",
        "Aduan",
        "Complaints",
        "Aduan dan maklum balas mengenai perkhidmatan JKM melalui Borang Aduan Pelanggan (BAP).",
        "Complaints and feedback about JKM services, on the Customer Complaint Form (BAP).",
        15,
    ),
]

# (number, name, kind, service codes); the priority counter serves OKU and warga emas
# customers whatever they came for.
ALL_SERVICES = tuple(s.code for s in SERVICES)
PJ_COUNTERS = [
    (1, "Kaunter Bantuan Keluarga", Counter.Kind.NORMAL, ("BKK", "PKK", "BA", "INFO")),
    (2, "Kaunter Warga Emas", Counter.Kind.NORMAL, ("BWE", "PWE", "BA", "INFO")),
    (3, "Kaunter OKU", Counter.Kind.NORMAL, ("OKU", "EPOKU", "BTB", "BPT")),
    (4, "Kaunter Pertanyaan dan Aduan", Counter.Kind.NORMAL, ("INFO", "ADUAN", "BA")),
    (5, "Kaunter Khas OKU dan Warga Emas", Counter.Kind.PRIORITY, ALL_SERVICES),
]
DISTRICT_COUNTERS = [
    (1, "Kaunter Bantuan", Counter.Kind.NORMAL, ("BKK", "BWE", "BA", "BTB", "BPT", "EPOKU")),
    (2, "Kaunter OKU dan Pertanyaan", Counter.Kind.NORMAL, ("OKU", "PKK", "PWE", "INFO", "ADUAN")),
    (3, "Kaunter Khas OKU dan Warga Emas", Counter.Kind.PRIORITY, ALL_SERVICES),
]
# What an ordinary counter calls first (rank 1): its own services. It helps with its
# other services (rank 2) when nobody waits for these. The special counter is not here:
# it calls every service alike, its priority lane being what comes first there.
MAIN_SERVICES = {
    "Kaunter Bantuan Keluarga": ("BKK", "PKK"),
    "Kaunter Warga Emas": ("BWE", "PWE"),
    "Kaunter OKU": ("OKU",),
    "Kaunter Pertanyaan dan Aduan": ("INFO", "ADUAN"),
    "Kaunter Bantuan": ("BKK", "BWE"),
    "Kaunter OKU dan Pertanyaan": ("OKU", "INFO"),
}


@dataclass(frozen=True)
class DemoPerson:
    name: str
    office: str
    position: str
    section: str
    extension: str
    phone: str
    username: str = ""
    role: Role | None = None
    presence: str = StaffMember.Presence.IN_OFFICE
    services: tuple[str, ...] = ()  # service codes the person handles (referrals)


PEOPLE = [
    # PKMD-PJ, with the demo sign-ins.
    DemoPerson(
        "Mohd Hafiz bin Rahman",
        "PKMD-PJ",
        "Penolong Pegawai Teknologi Maklumat (FA29)",
        "KP",
        "2110",
        "+60123450101",
        "admin",
        Role.ADMIN,
    ),
    DemoPerson(
        "Nor Azizah binti Kamaruddin",
        "PKMD-PJ",
        "Penyelia Kaunter, Penolong Pegawai Kebajikan Masyarakat Kanan (S32)",
        "KP",
        "2101",
        "+60123450102",
        "penyelia",
        Role.SUPERVISOR,
    ),
    DemoPerson(
        "Tan Mei Ling",
        "PKMD-PJ",
        "Petugas Kaunter, Pembantu Tadbir (N19)",
        "KP",
        "2102",
        "+60123450103",
        "petugas1",
        Role.COUNTER_STAFF,
    ),
    DemoPerson(
        "Muhammad Amirul bin Zainal",
        "PKMD-PJ",
        "Petugas Kaunter, Pembantu Tadbir (N19)",
        "KP",
        "2103",
        "+60123450104",
        "petugas2",
        Role.COUNTER_STAFF,
    ),
    DemoPerson(
        "Kavitha a/p Muniandy",
        "PKMD-PJ",
        "Operator Telefon (N11)",
        "KP",
        "2100",
        "+60123450105",
        "telefonis",
        Role.OPERATOR,
    ),
    DemoPerson(
        "Siti Nur Aisyah binti Yusof",
        "PKMD-PJ",
        "Pegawai Kebajikan Masyarakat (S41)",
        "BWE",
        "2201",
        "+60123450106",
        "pegawai1",
        Role.OFFICER,
        services=("BWE", "PWE", "BKK"),
    ),
    DemoPerson(
        "Rajesh a/l Subramaniam",
        "PKMD-PJ",
        "Pegawai Aduan, Pegawai Kebajikan Masyarakat (S44)",
        "KP",
        "2105",
        "+60123450107",
        "pegawai.aduan",
        Role.COMPLAINT_OFFICER,
        services=("ADUAN",),
    ),
    DemoPerson(
        "Haji Ahmad Fauzi bin Osman",
        "PKMD-PJ",
        "Pegawai Kebajikan Masyarakat Daerah (S48)",
        "KP",
        "2001",
        "+60123450108",
    ),
    DemoPerson(
        "Nurul Huda binti Ismail",
        "PKMD-PJ",
        "Pegawai Kebajikan Masyarakat (S41)",
        "BKK",
        "2202",
        "+60123450109",
    ),
    DemoPerson(
        "Wong Kar Mun",
        "PKMD-PJ",
        "Penolong Pegawai Kebajikan Masyarakat (S29)",
        "BOKU",
        "2203",
        "+60123450110",
        presence=StaffMember.Presence.OUT,
    ),
    DemoPerson(
        "Mohd Faizal bin Hamzah",
        "PKMD-PJ",
        "Penolong Pegawai Kebajikan Masyarakat (S29)",
        "BPK",
        "2204",
        "+60123450111",
        presence=StaffMember.Presence.MEETING,
    ),
    DemoPerson(
        "Jeyanthi a/p Krishnan",
        "PKMD-PJ",
        "Pembantu Kebajikan Masyarakat (S19)",
        "BKK",
        "2205",
        "+60123450112",
    ),
    # The state head, and an administrator at HQ who keeps the service catalogue.
    DemoPerson(
        "Haji Zulkifli bin Abdullah",
        "JKMN-SGR",
        "Pengarah Kebajikan Masyarakat Negeri Selangor (S54)",
        "KP",
        "3001",
        "+60123450201",
        "ketua.jkmn",
        Role.HEAD,
    ),
    DemoPerson(
        "Lim Wei Jie",
        "HQ",
        "Pegawai Teknologi Maklumat (F44)",
        "KP",
        "1001",
        "+60123450301",
        "admin.hq",
        Role.ADMIN,
    ),
    DemoPerson(
        "Faridah binti Mohd Noor",
        "JKMN-JHR",
        "Pengarah Kebajikan Masyarakat Negeri Johor (S54)",
        "KP",
        "4001",
        "+60123450401",
    ),
    DemoPerson(
        "Goh Siew Lan",
        "PKMD-KLANG",
        "Pegawai Kebajikan Masyarakat Daerah (S48)",
        "KP",
        "2301",
        "+60123450501",
    ),
    DemoPerson(
        "Azman bin Hashim",
        "PKMD-KLANG",
        "Petugas Kaunter, Pembantu Tadbir (N19)",
        "KP",
        "2302",
        "+60123450502",
    ),
    DemoPerson(
        "Norhayati binti Salleh",
        "PKMD-GOMBAK",
        "Pegawai Kebajikan Masyarakat Daerah (S48)",
        "KP",
        "2401",
        "+60123450601",
    ),
    DemoPerson(
        "Suresh a/l Ramasamy",
        "PKMD-GOMBAK",
        "Petugas Kaunter, Pembantu Tadbir (N19)",
        "KP",
        "2402",
        "+60123450602",
    ),
    DemoPerson(
        "Roslan bin Jaafar",
        "PKMD-JB",
        "Pegawai Kebajikan Masyarakat Daerah (S48)",
        "KP",
        "4101",
        "+60123450701",
    ),
    DemoPerson(
        "Chong Li Ying",
        "PKMD-JB",
        "Petugas Kaunter, Pembantu Tadbir (N19)",
        "KP",
        "4102",
        "+60123450702",
    ),
    DemoPerson(
        "Zainab binti Ali",
        "PKMD-BATUPAHAT",
        "Pegawai Kebajikan Masyarakat Daerah (S48)",
        "KP",
        "4201",
        "+60123450801",
    ),
    DemoPerson(
        "Kumar a/l Velu",
        "PKMD-BATUPAHAT",
        "Petugas Kaunter, Pembantu Tadbir (N19)",
        "KP",
        "4202",
        "+60123450802",
    ),
]

DEMO_USERNAMES = tuple(p.username for p in PEOPLE if p.username)


def _offices() -> dict[str, Office]:
    offices: dict[str, Office] = {}
    for spec in OFFICES:
        office, _created = Office.objects.update_or_create(
            code=spec.code,
            defaults={
                "kind": spec.kind,
                "parent": offices[spec.parent] if spec.parent else None,
                "state": spec.state,
                "name_ms": spec.name_ms,
                "name_en": spec.name_en,
                "address": spec.address,
                "phone": spec.phone,
                # PKMD-PJ is the around-the-clock pilot: it opens on weekends and holidays.
                "follows_state_calendar": not spec.around_the_clock,
                "is_active": True,
            },
        )
        _hours(office, around_the_clock=spec.around_the_clock)
        offices[spec.code] = office
    return offices


def _hours(office: Office, *, around_the_clock: bool) -> None:
    if around_the_clock:
        wanted = {day: (MIDNIGHT, MIDNIGHT) for day in range(7)}
    else:
        wanted = {day: (dt.time(8, 0), dt.time(17, 0)) for day in range(5)}
    for day, (opens, closes) in wanted.items():
        # One period per demo day; a re-run puts the demo hours back rather than adding.
        existing = OpeningHours.objects.filter(office=office, weekday=day).order_by("pk").first()
        if existing is None:
            OpeningHours.objects.create(office=office, weekday=day, opens=opens, closes=closes)
        elif (existing.opens, existing.closes) != (opens, closes):
            existing.opens, existing.closes = opens, closes
            existing.save(update_fields=["opens", "closes"])


def _sections(offices: dict[str, Office]) -> dict[tuple[str, str], Section]:
    sections: dict[tuple[str, str], Section] = {}
    for code, office in offices.items():
        for section_code, name_ms, name_en in SECTIONS:
            section, _created = Section.objects.update_or_create(
                office=office,
                code=section_code,
                defaults={"name_ms": name_ms, "name_en": name_en},
            )
            sections[(code, section_code)] = section
    return sections


def _services(offices: dict[str, Office]) -> dict[str, Service]:
    districts = [o for o in offices.values() if o.kind == Office.Kind.DISTRICT]
    services: dict[str, Service] = {}
    for spec in SERVICES:
        service, _created = Service.objects.update_or_create(
            code=spec.code,
            defaults={
                "prefix": spec.prefix,
                "name_ms": spec.name_ms,
                "name_en": spec.name_en,
                "description_ms": spec.description_ms,
                "description_en": spec.description_en,
                "typical_minutes": spec.typical_minutes,
                "is_active": True,
            },
        )
        service.offices.add(*districts)
        services[spec.code] = service
    return services


def _counters(offices: dict[str, Office], services: dict[str, Service]) -> None:
    for office in offices.values():
        if office.kind != Office.Kind.DISTRICT:
            continue
        layout = PJ_COUNTERS if office.code == "PKMD-PJ" else DISTRICT_COUNTERS
        for number, name, kind, codes in layout:
            counter, _created = Counter.objects.update_or_create(
                office=office,
                number=number,
                defaults={"name": name, "kind": kind, "is_active": True},
            )
            main = MAIN_SERVICES.get(name, codes)
            for code in codes:
                CounterService.objects.update_or_create(
                    counter=counter,
                    service=services[code],
                    defaults={"rank": 1 if code in main else 2},
                )
            CounterService.objects.filter(counter=counter).exclude(service__code__in=codes).delete()


def _people(
    offices: dict[str, Office],
    sections: dict[tuple[str, str], Section],
    services: dict[str, Service],
) -> None:
    groups = {role: Group.objects.get(name=role.value) for role in Role}
    for person in PEOPLE:
        details = {
            "name": person.name,
            "position": person.position,
            "home_office": offices[person.office],
            "section": sections[(person.office, person.section)],
            "extension": person.extension,
            "phone": person.phone,
            "presence": person.presence,
            "is_active": True,
        }
        if not person.username:
            staff, _created = StaffMember.objects.update_or_create(
                user=None, home_office=offices[person.office], name=person.name, defaults=details
            )
            staff.services.set([services[code] for code in person.services])
            continue
        user, _created = User.objects.update_or_create(
            username=person.username,
            defaults={
                "first_name": person.name,
                "last_name": "",
                "is_active": True,
                # The admin's door checks is_staff: it follows the Administrator role.
                "is_staff": person.role == Role.ADMIN,
                "is_superuser": False,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.set([groups[person.role]] if person.role else [])
        staff, _created = StaffMember.objects.update_or_create(user=user, defaults=details)
        staff.services.set([services[code] for code in person.services])


def load() -> None:
    """Organisation's demo data: offices, hours, sections, services, counters, people."""
    offices = _offices()
    sections = _sections(offices)
    services = _services(offices)
    _counters(offices, services)
    _people(offices, sections, services)


def demo_loaders() -> list[tuple[str, Callable[[], object]]]:
    """Each installed app's `demo.load`, in INSTALLED_APPS order."""
    loaders: list[tuple[str, Callable[[], object]]] = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "demo"):
            continue
        loader = getattr(import_module(f"{config.name}.demo"), "load", None)
        if callable(loader):
            loaders.append((config.label, loader))
    return loaders


@transaction.atomic
def load_demo() -> list[str]:
    """Load every app's demo data, all or nothing; returns the labels of the apps loaded."""
    loaded = []
    for label, loader in demo_loaders():
        loader()
        loaded.append(label)
    log_action("organisation.demo.loaded", actor="weserve demo", data={"apps": loaded})
    return loaded


def summary_lines() -> list[str]:
    """What `weserve demo` prints: where to go and who to sign in as."""
    lines = [
        "WeServe demo data is ready.",
        "",
        "Start the server:  weserve serve   (or: weserve runserver)",
        f"Then open:         {DEMO_URL}",
        f"Administration:    {DEMO_URL}/admin/",
        "",
        f"Sign in as any of these (password: {DEMO_PASSWORD}):",
    ]
    for person in PEOPLE:
        if person.username:
            role = person.role.label if person.role else ""
            lines.append(f"  {person.username:<14} {role:<22} {person.office}")
    # Each app's demo may add lines (e.g. a demo device's pairing code): `hint_lines()`.
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo"):
            hints = getattr(import_module(f"{config.name}.demo"), "hint_lines", None)
            if callable(hints):
                lines.extend(hints())
    return lines
