from weserve.core.scoping import visible_office_ids


def codes(tree, user):
    ids = visible_office_ids(user)
    return sorted(
        o.code for o in (tree.hq, tree.sgr, tree.jhr, tree.pj, tree.klang, tree.jb) if o.pk in ids
    )


def test_district_staff_see_only_their_office(tree, users):
    assert codes(tree, users["petugas"]) == ["PKMD-PJ"]
    assert codes(tree, users["jb_petugas"]) == ["PKMD-JB"]


def test_district_admin_sees_only_their_office(tree, users):
    assert codes(tree, users["admin"]) == ["PKMD-PJ"]


def test_state_head_sees_their_state_and_its_districts(tree, users):
    assert codes(tree, users["ketua"]) == ["JKMN-SGR", "PKMD-KLANG", "PKMD-PJ"]


def test_hq_admin_sees_every_office(tree, users):
    assert codes(tree, users["hq_admin"]) == [
        "HQ",
        "JKMN-JHR",
        "JKMN-SGR",
        "PKMD-JB",
        "PKMD-KLANG",
        "PKMD-PJ",
    ]


def test_granted_office_is_visible(tree, users):
    staff = users["petugas"].staff
    staff.offices.add(tree.klang)
    from weserve.core.models import User

    fresh = User.objects.get(pk=users["petugas"].pk)
    assert codes(tree, fresh) == ["PKMD-KLANG", "PKMD-PJ"]
