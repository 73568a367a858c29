import numpy as np

from astrokeras.schemes.taxonomy import BUS, BUS_CLASSES, BUS_DEMEO, FOUR_CLASS, VISNIR_11, base_class


def test_four_class_covers_every_bus_class_but_o_and_r():
    mapped = {c: FOUR_CLASS.map(c) for c in BUS_CLASSES}
    assert {c for c, m in mapped.items() if m is None} == {"O", "R"}
    assert mapped["Sk"] == "S" and mapped["B"] == "C" and mapped["Xe"] == "X" and mapped["Ld"] == "Other"


def test_visnir_suffixes_map_to_the_base_class():
    assert [VISNIR_11.map(c) for c in ["Sw", "Sqw", "Srw", "Svw", "Vw", "Qw", "Sq:"]] == ["S"] * 4 + ["V", "Q", "S"]
    assert [VISNIR_11.map(c) for c in ["O", "R", "U", "Xn", "Cgh"]] == [None, None, None, "X", "C"]
    assert len(VISNIR_11.classes) == 11


def test_base_class_strips_suffixes_only():
    assert base_class("Sqw") == "Sq" and base_class("Xk") == "Xk" and base_class("Sq:") == "Sq"


def test_encode_and_decode_round_trip():
    y, kept = FOUR_CLASS.encode(["S", "O", "Ch", "Xk", "V"])
    assert kept.tolist() == [True, False, True, True, True]
    assert FOUR_CLASS.decode(y) == ["S", "C", "X", "Other"]
    assert y.dtype == np.int64


def test_full_bus_demeo_scheme_keeps_every_class():
    assert all(BUS_DEMEO.map(c) == c for c in BUS_DEMEO.classes)
    assert BUS_DEMEO.map("Sw") == "S" and BUS_DEMEO.map("Ld") is None


def test_bus_scheme_keeps_the_24_classes_of_the_4_class_scheme_unmerged():
    assert len(BUS.classes) == 24 and set(BUS_CLASSES) - set(BUS.classes) == {"O", "R"}
    y, kept = BUS.encode(["Xe", "O", "V", "Cgh"])
    assert kept.tolist() == [True, False, True, True] and BUS.decode(y) == ["Xe", "V", "Cgh"]
