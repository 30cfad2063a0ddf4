"""Demo data for the reference shelf: a Product Knowledge (PKW) article for each demo
service (eligibility, documents to bring, forms, processing time) in Malay with an
English version, JKM's corporate information, a service profile and a brochure, a few
agencies, the emergency contacts, and a client charter for each district office that has
none yet (the charter is queueing's record, written through its service).

The rates, amounts and form codes are the demo's own, written to look like JKM's; an
office keeps its real shelf in the admin. 999, 994 and 15999 are the real public numbers;
the agencies' other numbers and addresses are demo values.
"""

from __future__ import annotations

import datetime as dt

from weserve.core import clock
from weserve.core.models import User
from weserve.knowledge import services
from weserve.knowledge.models import (
    Agency,
    Article,
    ArticleSection,
    EmergencyContact,
    Kind,
)
from weserve.organisation.models import Office, Service
from weserve.queueing import notices

# Section headings of a PKW article, in the order they appear.
HEADINGS = (
    ("Syarat kelayakan", "Eligibility"),
    ("Dokumen yang perlu dibawa", "Documents to bring"),
    ("Borang", "Forms"),
    ("Tempoh proses", "Processing time"),
)
ID_DOCS_MS = "Kad pengenalan (MyKad) asal dan salinan"
ID_DOCS_EN = "Original identity card (MyKad) and a copy"

# service code: (summary ms, summary en, [(ms, en) per heading in HEADINGS])
PKW = {
    "BKK": (
        "Bantuan bulanan untuk kanak-kanak dalam keluarga berpendapatan rendah.",
        "Monthly aid for children of low-income families.",
        [
            (
                "Kanak-kanak warganegara Malaysia berumur bawah 18 tahun.\n"
                "Pendapatan isi rumah di bawah Pendapatan Garis Kemiskinan (PGK) semasa.\n"
                "Ibu bapa atau penjaga tidak mampu menyara kanak-kanak (kematian, penyakit, "
                "dipenjara, ditinggalkan).",
                "Malaysian children under 18.\n"
                "Household income below the current Poverty Line Income (PGK).\n"
                "Parents or guardians unable to support the child (death, illness, "
                "imprisonment, abandonment).",
            ),
            (
                f"{ID_DOCS_MS} pemohon.\nSijil kelahiran setiap kanak-kanak.\n"
                "Penyata pendapatan atau surat pengesahan majikan / ketua kampung.\n"
                "Penyata akaun bank pemohon (muka surat pertama).",
                f"{ID_DOCS_EN} of the applicant.\nBirth certificate of each child.\n"
                "Income statement or a letter from the employer / village head.\n"
                "The applicant's bank statement (first page).",
            ),
            (
                "BKK-01: Borang permohonan Bantuan Kanak-Kanak (Bahasa Melayu).\n"
                "BKK-01E: versi Bahasa Inggeris. Borang percuma di kaunter.",
                "BKK-01: Children's Assistance application form (Malay).\n"
                "BKK-01E: the English version. Forms are free at the counter.",
            ),
            (
                "Siasatan lawatan rumah dalam 14 hari bekerja; keputusan dimaklumkan secara "
                "bertulis dalam 30 hari bekerja dari tarikh permohonan lengkap diterima.",
                "A home visit within 14 working days; the decision is sent in writing within "
                "30 working days of a complete application.",
            ),
        ],
    ),
    "BWE": (
        "Bantuan bulanan untuk warga emas yang tiada pendapatan atau sokongan mencukupi.",
        "Monthly aid for older persons without enough income or support.",
        [
            (
                "Warganegara Malaysia berumur 60 tahun ke atas.\n"
                "Tiada pendapatan, atau pendapatan di bawah PGK, dan tiada waris yang mampu "
                "menyara.\nTidak tinggal di institusi kebajikan kerajaan.",
                "Malaysians aged 60 and over.\n"
                "No income, or income below the PGK, and no family able to support them.\n"
                "Not living in a government welfare institution.",
            ),
            (
                f"{ID_DOCS_MS}.\nPenyata akaun bank.\n"
                "Surat pengesahan pendapatan (jika ada) dan maklumat anak / waris.",
                f"{ID_DOCS_EN}.\nBank statement.\n"
                "Proof of income (if any) and details of children / next of kin.",
            ),
            (
                "BWE-01: Borang permohonan Bantuan Warga Emas.",
                "BWE-01: Older Persons' Assistance application form (Malay only; the counter "
                "helps to fill it in).",
            ),
            (
                "Lawatan siasatan dalam 14 hari bekerja; keputusan dalam 30 hari bekerja.",
                "An assessment visit within 14 working days; a decision within 30 working days.",
            ),
        ],
    ),
    "EPOKU": (
        "Elaun bulanan untuk OKU berdaftar yang bekerja dengan gaji rendah.",
        "A monthly allowance for registered disabled persons in low-paid work.",
        [
            (
                "Memegang Kad OKU JKM yang sah.\nBekerja (makan gaji atau bekerja sendiri) "
                "dengan pendapatan bulanan tidak melebihi had semasa.\nBerumur 18 tahun ke atas.",
                "Holds a valid JKM OKU card.\nEmployed or self-employed, earning no more than "
                "the current monthly limit.\nAged 18 or over.",
            ),
            (
                f"{ID_DOCS_MS}.\nKad OKU.\nSlip gaji tiga bulan terkini atau surat majikan.\n"
                "Penyata akaun bank.",
                f"{ID_DOCS_EN}.\nOKU card.\nPay slips for the last three months or an "
                "employer's letter.\nBank statement.",
            ),
            ("EPOKU-01: Borang permohonan Elaun Pekerja OKU.", "EPOKU-01: EPOKU application form."),
            (
                "Keputusan dalam 21 hari bekerja; elaun dibayar ke akaun bank setiap bulan.",
                "A decision within 21 working days; the allowance is paid into the bank "
                "account every month.",
            ),
        ],
    ),
    "BTB": (
        "Bantuan bulanan untuk OKU berdaftar yang tidak berupaya bekerja.",
        "Monthly aid for registered disabled persons who cannot work.",
        [
            (
                "Memegang Kad OKU JKM.\nDisahkan oleh pengamal perubatan tidak berupaya "
                "bekerja.\nPendapatan isi rumah di bawah PGK.",
                "Holds a JKM OKU card.\nCertified by a medical practitioner as unable to work.\n"
                "Household income below the PGK.",
            ),
            (
                f"{ID_DOCS_MS}.\nKad OKU.\nLaporan perubatan terkini.\nPenyata akaun bank.",
                f"{ID_DOCS_EN}.\nOKU card.\nA recent medical report.\nBank statement.",
            ),
            (
                "BA-01: Borang permohonan bantuan kewangan (jenis BTB).",
                "BA-01: financial aid application form (type BTB).",
            ),
            ("Keputusan dalam 30 hari bekerja.", "A decision within 30 working days."),
        ],
    ),
    "BPT": (
        "Bantuan bulanan untuk penjaga OKU terlantar atau pesakit kronik terlantar.",
        "Monthly aid for the carer of a bedridden disabled or chronically ill person.",
        [
            (
                "Pesakit terlantar dan memerlukan penjagaan sepenuh masa, disahkan doktor "
                "kerajaan.\nPendapatan isi rumah di bawah had semasa.",
                "The patient is bedridden and needs full-time care, certified by a government "
                "doctor.\nHousehold income below the current limit.",
            ),
            (
                f"{ID_DOCS_MS} penjaga dan pesakit.\nLaporan perubatan terkini (tidak lebih 6 "
                "bulan).\nPenyata akaun bank penjaga.",
                f"{ID_DOCS_EN} of the carer and the patient.\nA medical report no older than six "
                "months.\nThe carer's bank statement.",
            ),
            (
                "BA-01: Borang permohonan bantuan kewangan (jenis BPT).",
                "BA-01: financial aid application form (type BPT).",
            ),
            (
                "Lawatan rumah dalam 14 hari bekerja; keputusan dalam 30 hari bekerja.",
                "A home visit within 14 working days; a decision within 30 working days.",
            ),
        ],
    ),
    "BA": (
        "Bantuan bulanan untuk individu atau keluarga yang menghadapi kesempitan hidup.",
        "Monthly aid for individuals or families in hardship.",
        [
            (
                "Warganegara Malaysia yang menetap di Malaysia.\nPendapatan isi rumah di bawah "
                "PGK.\nTidak layak bagi skim bantuan JKM yang lain.",
                "Malaysian citizens living in Malaysia.\nHousehold income below the PGK.\n"
                "Not eligible for another JKM scheme.",
            ),
            (
                f"{ID_DOCS_MS}.\nSijil kelahiran / MyKid tanggungan.\nBukti pendapatan.\n"
                "Penyata akaun bank.",
                f"{ID_DOCS_EN}.\nBirth certificates / MyKid of dependants.\nProof of income.\n"
                "Bank statement.",
            ),
            (
                "BA-01: Borang permohonan bantuan kewangan.",
                "BA-01: financial aid application form.",
            ),
            ("Keputusan dalam 30 hari bekerja.", "A decision within 30 working days."),
        ],
    ),
    "OKU": (
        "Pendaftaran orang kurang upaya dan pengeluaran Kad OKU.",
        "Registration of persons with disabilities and the OKU card.",
        [
            (
                "Warganegara Malaysia dengan ketidakupayaan jangka panjang (fizikal, "
                "penglihatan, pendengaran, pertuturan, mental, pembelajaran atau pelbagai).\n"
                "Disahkan oleh pengamal perubatan berdaftar.",
                "Malaysian citizens with a long-term disability (physical, sight, hearing, "
                "speech, mental, learning or multiple).\nCertified by a registered medical "
                "practitioner.",
            ),
            (
                f"{ID_DOCS_MS} (atau MyKid untuk kanak-kanak).\nBorang pengesahan perubatan yang "
                "diisi doktor.\nDua keping gambar berukuran pasport.",
                f"{ID_DOCS_EN} (or MyKid for a child).\nThe medical certification form "
                "completed by a doctor.\nTwo passport-size photographs.",
            ),
            (
                "OKU-01: Borang pendaftaran Orang Kurang Upaya (termasuk bahagian pengesahan "
                "perubatan).",
                "OKU-01: Registration form for persons with disabilities (with the medical "
                "certification part).",
            ),
            (
                "Kad OKU sedia dalam 14 hari bekerja; pelanggan dihubungi untuk mengambilnya.",
                "The OKU card is ready within 14 working days; the customer is called to "
                "collect it.",
            ),
        ],
    ),
    "PKK": (
        "Laporan dan perlindungan kanak-kanak yang memerlukan pemeliharaan dan perlindungan.",
        "Reports and protection for children in need of care and protection.",
        [
            (
                "Sesiapa sahaja boleh membuat laporan jika mengesyaki kanak-kanak didera, "
                "diabaikan atau terdedah kepada bahaya (Akta Kanak-Kanak 2001).\nKes segera: "
                "rujuk terus kepada Pelindung (Pegawai Kebajikan) dan polis.",
                "Anyone may report a child suspected of being abused, neglected or in danger "
                "(Child Act 2001).\nUrgent cases: refer at once to the Protector (welfare "
                "officer) and the police.",
            ),
            (
                "Tiada dokumen wajib. Jika ada: nama dan alamat kanak-kanak, gambar atau "
                "laporan perubatan, nombor laporan polis.",
                "No document is required. If available: the child's name and address, "
                "photographs or medical reports, the police report number.",
            ),
            (
                "Laporan direkod oleh Pelindung; tiada borang untuk diisi oleh pelapor.",
                "The Protector records the report; the person reporting fills in no form.",
            ),
            (
                "Tindakan serta-merta untuk kes berisiko tinggi; siasatan awal dalam 24 jam.",
                "Immediate action for high-risk cases; a first investigation within 24 hours.",
            ),
        ],
    ),
    "PWE": (
        "Kemasukan ke Rumah Seri Kenangan, Pusat Aktiviti Warga Emas dan khidmat bantu di rumah.",
        "Admission to Rumah Seri Kenangan, senior activity centres and home help.",
        [
            (
                "Warga emas 60 tahun ke atas yang tiada waris atau tempat tinggal, dan sihat "
                "untuk menjaga diri (Rumah Seri Kenangan).\nKhidmat bantu di rumah: warga emas "
                "yang tinggal sendirian.",
                "Older persons aged 60 and over with no family or home, able to look after "
                "themselves (Rumah Seri Kenangan).\nHome help: older persons living alone.",
            ),
            (
                f"{ID_DOCS_MS}.\nLaporan kesihatan daripada klinik kerajaan.\nSurat sokongan "
                "ketua kampung / penghulu (jika ada).",
                f"{ID_DOCS_EN}.\nA health report from a government clinic.\nA supporting letter "
                "from the village head / penghulu (if any).",
            ),
            (
                "PWE-01: Borang permohonan kemasukan institusi warga emas.",
                "PWE-01: Application for admission to an older persons' institution.",
            ),
            (
                "Keputusan dalam 30 hari bekerja, tertakluk kepada tempat kosong.",
                "A decision within 30 working days, subject to places being free.",
            ),
        ],
    ),
    "INFO": (
        "Maklumat am tentang perkhidmatan, kelayakan dan borang JKM.",
        "General information about JKM services, eligibility and forms.",
        [
            (
                "Terbuka kepada semua pelanggan.",
                "Open to every customer.",
            ),
            (
                "Tiada. Bawa MyKad jika mahu menyemak status permohonan.",
                "None. Bring the MyKad to check the status of an application.",
            ),
            (
                "Semua borang JKM boleh didapati di kaunter atau dimuat turun dari portal JKM.",
                "Every JKM form is at the counter or can be downloaded from the JKM portal.",
            ),
            (
                "Dijawab di kaunter; pertanyaan yang memerlukan semakan dirujuk kepada pegawai "
                "dalam 3 hari bekerja.",
                "Answered at the counter; questions that need checking are referred to an "
                "officer within 3 working days.",
            ),
        ],
    ),
    "ADUAN": (
        "Aduan dan maklum balas tentang perkhidmatan JKM.",
        "Complaints and feedback about JKM services.",
        [
            (
                "Sesiapa yang tidak berpuas hati dengan perkhidmatan JKM.",
                "Anyone unhappy with a JKM service.",
            ),
            (
                "Maklumat perkhidmatan yang diadukan: tarikh, kaunter atau nama pegawai, nombor "
                "tiket jika ada.",
                "Details of the service complained of: the date, counter or officer's name, "
                "ticket number if any.",
            ),
            ("BAP: Borang Aduan Pelanggan.", "BAP: Customer Complaint Form."),
            (
                "Aduan diakui dalam 3 hari bekerja dan diselesaikan dalam 15 hari bekerja.",
                "A complaint is acknowledged within 3 working days and resolved within 15.",
            ),
        ],
    ),
}

CORPORATE = (
    "Maklumat korporat Jabatan Kebajikan Masyarakat",
    "Corporate information of the Department of Social Welfare",
    "Visi, misi dan fungsi JKM.",
    "JKM's vision, mission and functions.",
    [
        (
            "Visi",
            "Vision",
            "Masyarakat sejahtera dan berdikari.",
            "A caring and self-reliant society.",
        ),
        (
            "Misi",
            "Mission",
            "Memberi perlindungan, pemulihan dan pembangunan kepada golongan sasar melalui "
            "perkhidmatan kebajikan yang berkualiti.",
            "To protect, rehabilitate and develop those in need through welfare services of "
            "quality.",
        ),
        (
            "Fungsi",
            "Functions",
            "Melaksanakan dasar dan perundangan kebajikan masyarakat.\nMenyampaikan bantuan "
            "kewangan dan perkhidmatan kepada kanak-kanak, warga emas, OKU dan keluarga.\n"
            "Membangunkan komuniti dan sukarelawan kebajikan.",
            "To carry out social-welfare policy and law.\nTo deliver financial aid and "
            "services to children, older persons, persons with disabilities and families.\n"
            "To develop communities and welfare volunteers.",
        ),
    ],
)

PROFILE = (
    "Kit profil perkhidmatan JKM",
    "JKM service profile kit",
    "Ringkasan semua perkhidmatan kaunter dan bahagian yang bertanggungjawab.",
    "A summary of every counter service and the division responsible.",
    [
        (
            "Bantuan kewangan",
            "Financial aid",
            "BKK, BWE, BTB, BPT dan BA: Bahagian Pembangunan Keluarga dan Bahagian Warga Emas.",
            "BKK, BWE, BTB, BPT and BA: the Family Development and Older Persons divisions.",
        ),
        (
            "Orang kurang upaya",
            "Persons with disabilities",
            "Pendaftaran OKU dan EPOKU: Bahagian Pembangunan Orang Kurang Upaya.",
            "OKU registration and EPOKU: the Persons with Disabilities Division.",
        ),
        (
            "Perlindungan",
            "Protection",
            "Perlindungan kanak-kanak: Bahagian Kanak-Kanak (Pelindung bertugas 24 jam).",
            "Child protection: the Children Division (a Protector on call 24 hours).",
        ),
    ],
)

BROCHURE = (
    "Risalah: Bantuan Warga Emas",
    "Brochure: Older Persons' Assistance",
    "Risalah untuk diberi kepada pelanggan: siapa layak dan cara memohon BWE.",
    "A brochure for customers: who qualifies for BWE and how to apply.",
    [
        (
            "Untuk pelanggan",
            "For the customer",
            "Anda berumur 60 tahun ke atas dan tiada pendapatan mencukupi? Bawa MyKad dan "
            "penyata bank ke kaunter JKM berhampiran.",
            "Aged 60 or over without enough income? Bring your MyKad and bank statement to "
            "your nearest JKM counter.",
        )
    ],
)

# (agency, service ms, service en, address, phone, hours ms, hours en)
AGENCIES = [
    (
        "Jabatan Pendaftaran Negara (JPN)",
        "MyKad, sijil kelahiran dan MyKid",
        "MyKad, birth certificates and MyKid",
        "Demo: Aras 1, Kompleks Kerajaan, Petaling Jaya",
        "03-0000 1001",
        "Isnin–Jumaat 8.00 pagi–5.00 petang",
        "Monday–Friday 8 am–5 pm",
    ),
    (
        "Pertubuhan Keselamatan Sosial (PERKESO)",
        "Faedah hilang upaya dan pencen ilat",
        "Disability benefits and invalidity pension",
        "Demo: Jalan Utara, Petaling Jaya",
        "03-0000 1002",
        "Isnin–Jumaat 8.00 pagi–5.00 petang",
        "Monday–Friday 8 am–5 pm",
    ),
    (
        "Lembaga Zakat Selangor",
        "Bantuan asnaf fakir dan miskin",
        "Aid for the poor and needy (asnaf)",
        "Demo: Seksyen 14, Shah Alam",
        "03-0000 1003",
        "Isnin–Jumaat 8.30 pagi–4.30 petang",
        "Monday–Friday 8.30 am–4.30 pm",
    ),
    (
        "Jabatan Bantuan Guaman",
        "Nasihat dan bantuan guaman (hak jagaan, nafkah)",
        "Legal advice and aid (custody, maintenance)",
        "Demo: Wisma Persekutuan, Shah Alam",
        "03-0000 1004",
        "Isnin–Jumaat 8.00 pagi–5.00 petang",
        "Monday–Friday 8 am–5 pm",
    ),
    (
        "Hospital Tengku Ampuan Rahimah (Unit Kerja Sosial Perubatan)",
        "Pengesahan perubatan OKU dan bantuan pesakit",
        "OKU medical certification and patient support",
        "Demo: Jalan Langat, Klang",
        "03-0000 1005",
        "Isnin–Jumaat 8.00 pagi–5.00 petang",
        "Monday–Friday 8 am–5 pm",
    ),
]

# (order, name ms, name en, phone, when ms, when en, hours ms, hours en)
EMERGENCY = [
    (
        1,
        "Talian Kecemasan (MERS 999)",
        "Emergency line (MERS 999)",
        "999",
        "Polis, ambulans dan bomba; nyawa dalam bahaya.",
        "Police, ambulance and fire; a life in danger.",
        "24 jam",
        "24 hours",
    ),
    (
        2,
        "Bomba dan Penyelamat",
        "Fire and Rescue",
        "994",
        "Kebakaran dan penyelamatan.",
        "Fire and rescue.",
        "24 jam",
        "24 hours",
    ),
    (
        3,
        "Talian Kasih",
        "Talian Kasih helpline",
        "15999",
        "Kanak-kanak atau wanita didera, keganasan rumah tangga, krisis keluarga.",
        "Abused children or women, domestic violence, family crisis.",
        "24 jam",
        "24 hours",
    ),
    (
        4,
        "Pelindung bertugas (demo)",
        "Protector on call (demo)",
        "012-000 0999",
        "Kanak-kanak memerlukan perlindungan segera di luar waktu pejabat.",
        "A child in need of protection out of office hours.",
        "Luar waktu pejabat",
        "Out of office hours",
    ),
]

CHARTER_MS = (
    "Kami berjanji melayan setiap pelanggan dengan mesra, adil dan bertanggungjawab; "
    "memberi maklumat yang tepat; dan memproses permohonan lengkap dalam tempoh yang "
    "ditetapkan."
)
CHARTER_EN = (
    "We promise to serve every customer courteously, fairly and responsibly; to give "
    "accurate information; and to process complete applications within the set time."
)


def _article(
    office: Office,
    kind: str,
    owner: User,
    titles: tuple[str, str, str, str],
    sections: list[tuple[str, str, str, str]],
    service: Service | None = None,
) -> None:
    title_ms, title_en, summary_ms, summary_en = titles
    article, created = Article.objects.get_or_create(
        office=office,
        kind=kind,
        title_ms=title_ms,
        defaults={
            "title_en": title_en,
            "summary_ms": summary_ms,
            "summary_en": summary_en,
            "service": service,
            "owner": owner,
        },
    )
    if not created:
        return
    for order, (heading_ms, heading_en, body_ms, body_en) in enumerate(sections, start=1):
        ArticleSection.objects.create(
            article=article,
            order=order,
            heading_ms=heading_ms,
            heading_en=heading_en,
            body_ms=body_ms,
            body_en=body_en,
        )
    services.approve_article(
        article,
        acting_user=owner,
        what_changed_ms="Versi pertama.",
        what_changed_en="First version.",
        review_due=clock.business_day() + dt.timedelta(days=365),
    )


def load() -> None:
    """The shelf's demo data, kept by HQ's administrator (found by title, never doubled)."""
    hq = Office.objects.get(code="HQ")
    owner = User.objects.get(username="admin.hq")
    services_by_code = {s.code: s for s in Service.objects.filter(code__in=PKW)}
    for code, (summary_ms, summary_en, bodies) in PKW.items():
        service = services_by_code.get(code)
        if service is None:
            continue
        sections = [
            (h_ms, h_en, ms, en) for (h_ms, h_en), (ms, en) in zip(HEADINGS, bodies, strict=True)
        ]
        titles = (f"PKW: {service.name_ms}", f"PKW: {service.name_en}", summary_ms, summary_en)
        _article(hq, Kind.PKW, owner, titles, sections, service)
    for kind, (t_ms, t_en, s_ms, s_en, sections) in (
        (Kind.CORPORATE, CORPORATE),
        (Kind.PROFILE, PROFILE),
        (Kind.BROCHURE, BROCHURE),
    ):
        _article(hq, kind, owner, (t_ms, t_en, s_ms, s_en), sections)
    selangor = Office.objects.get(code="JKMN-SGR")
    for agency, s_ms, s_en, address, phone, h_ms, h_en in AGENCIES:
        Agency.objects.update_or_create(
            office=selangor,
            agency=agency,
            service_ms=s_ms,
            defaults={
                "service_en": s_en,
                "address": address,
                "phone": phone,
                "hours_ms": h_ms,
                "hours_en": h_en,
                "is_active": True,
            },
        )
    for order, n_ms, n_en, phone, w_ms, w_en, h_ms, h_en in EMERGENCY:
        EmergencyContact.objects.update_or_create(
            office=hq,
            name_ms=n_ms,
            defaults={
                "order": order,
                "name_en": n_en,
                "phone": phone,
                "when_ms": w_ms,
                "when_en": w_en,
                "hours_ms": h_ms,
                "hours_en": h_en,
                "is_active": True,
            },
        )
    for office in Office.objects.filter(kind=Office.Kind.DISTRICT):
        if notices.charter_for(office) is None:
            notices.save_charter(
                office,
                text_ms=CHARTER_MS,
                text_en=CHARTER_EN,
                show_wait_target=True,
                acting_user=None,
            )
