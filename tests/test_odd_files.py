"""Every file is answered right or refused clearly (issue #23): properties checked with hypothesis, and the cases
that once went wrong.

The properties run a bounded number of examples, derandomised so CI sees the same ones every time:
* any bytes as a file, and any arrays given to ``analyze()``, give an ``Analysis`` or a ``SpectrumError``;
* ``astrokeras analyze --json`` prints exactly one JSON list, one entry per input, and a bad file never stops the
  batch;
* a file written differently (columns in another order, another separator, line endings, a byte-order mark, a
  decimal comma, another unit) gives the same answer as the clean file.
"""

import contextlib
import io
import json
import pathlib
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astrokeras import analyze
from astrokeras.analysis import Analysis, analyze_file
from astrokeras.cli import main
from astrokeras.io.spectrum_files import read_spectrum
from astrokeras.spectra import SpectrumError

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SOURCE = "mithneos/sp201/a000433.sp201n1.txt"  # Eros: a visible and a near-infrared segment, as MIT wrote it


@pytest.fixture(scope="module")
def eros(mirror):
    """Eros's merged spectrum (um) and the analysis of its clean two-column file."""
    spectrum = read_spectrum(mirror / SOURCE)
    w, r = spectrum.wavelength, spectrum.reflectance
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "clean.txt"
        path.write_text("\n".join(f"{a:.5f} {b:.5f}" for a, b in zip(w, r)) + "\n")
        clean = analyze_file(path)
    return w, r, clean


def _write(folder, name, content) -> pathlib.Path:
    path = pathlib.Path(folder) / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@PROPERTY
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_any_bytes_give_an_analysis_or_a_clear_refusal(content):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "any.txt", content)
        try:
            result = analyze_file(path)
        except SpectrumError as error:
            assert str(path) in str(error)  # the refusal names the file
        else:
            assert isinstance(result, Analysis)


numbers = st.floats(allow_nan=True, allow_infinity=True, width=32)


@PROPERTY
@given(st.integers(0, 60).flatmap(lambda n: st.tuples(
    st.lists(numbers | st.floats(0.3, 2.6), min_size=n, max_size=n),
    st.lists(numbers | st.floats(0.01, 2.0), min_size=n, max_size=n))))
def test_any_arrays_give_an_analysis_or_a_spectrum_error(arrays):
    wavelength, reflectance = arrays
    try:
        result = analyze(np.array(wavelength), np.array(reflectance))
    except SpectrumError:
        return
    assert isinstance(result, Analysis)
    assert result.albedo is None or 0 < result.albedo <= 1.5
    assert abs(sum(result.probabilities) - 1) < 1e-3


good_or_bad = st.sampled_from(["good", "words", "binary", "empty", "nan", "shifted header"])


@PROPERTY
@given(st.lists(good_or_bad, min_size=1, max_size=5))
def test_json_is_one_list_with_an_entry_per_input_and_no_file_stops_the_batch(eros, kinds):
    w, r, _ = eros
    body = "\n".join(f"{a:.5f} {b:.5f} 0.01" for a, b in zip(w, r))
    contents = {"good": body, "words": "no spectrum here\njust words", "binary": b"\x89PNG\r\n\x1a\n\x00\x01\x02",
                "empty": "", "nan": body.replace(f"{r[5]:.5f}", "nan", 1),
                "shifted header": "wavelength reflectance\n" + body}
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(_write(folder, f"{i}_{kind.replace(' ', '_')}.txt", contents[kind])) for i, kind in
                 enumerate(kinds)]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["analyze", *paths, "--json"])
    entries = json.loads(out.getvalue())  # stdout is exactly one JSON document
    assert isinstance(entries, list) and [e["file"] for e in entries] == paths
    bad = [k in ("words", "binary", "empty", "nan") for k in kinds]
    assert ["error" in e for e in entries] == bad
    assert code == (2 if any(bad) else 0)
    assert all(e["top_class"] == "S" for e, b in zip(entries, bad) if not b)


variants = st.fixed_dictionaries({
    "order": st.sampled_from(["wr", "rw"]),  # reflectance first, with a header naming the columns
    "separator": st.sampled_from([" ", "\t", ",", ";", "  "]),
    "newline": st.sampled_from(["\n", "\r\n", "\r"]),
    "bom": st.booleans(),
    "decimal_comma": st.booleans(),
    "unit": st.sampled_from(["um", "nm", "Angstrom"]),
})


def _written(w, r, v) -> str:
    scale = {"um": 1.0, "nm": 1e3, "Angstrom": 1e4}[v["unit"]]
    separator = v["separator"]
    if v["decimal_comma"] and separator == ",":
        separator = ";"  # a decimal comma needs another separator
    fmt = lambda x: f"{x:.6f}".replace(".", ",") if v["decimal_comma"] else f"{x:.6f}"  # noqa: E731
    columns = [("wavelength", [fmt(a * scale) for a in w]), ("reflectance", [fmt(b) for b in r])]
    if v["order"] == "rw":
        columns.reverse()
    header = separator.join(f"{name} ({v['unit']})" if name == "wavelength" else name for name, _ in columns)
    rows = [separator.join(values) for values in zip(*(c for _, c in columns))]
    text = v["newline"].join([header] + rows) + v["newline"]
    return ("\ufeff" if v["bom"] else "") + text


@PROPERTY
@given(variants)
def test_a_file_written_differently_gives_the_same_answer(eros, variant):
    w, r, clean = eros
    with tempfile.TemporaryDirectory() as folder:
        result = analyze_file(_write(folder, "variant.txt", _written(w, r, variant)))
    assert result.top_class == clean.top_class
    np.testing.assert_allclose(result.probabilities_11, clean.probabilities_11, atol=2e-3)
    assert result.albedo == pytest.approx(clean.albedo, rel=2e-3)
    assert (result.composition is None) == (clean.composition is None)


# The cases issue #23 found, each with the outcome it must have.


def _eros_file(folder, mirror, transform) -> pathlib.Path:
    text = (mirror / SOURCE).read_bytes().decode()
    return _write(folder, "case.txt", transform(text))


def test_a_header_naming_fewer_columns_than_the_rows_hold_reads_by_position(mirror, tmp_path):
    result = analyze_file(_eros_file(tmp_path, mirror, lambda t: "wavelength reflectance\n" + t))
    assert result.top_class == "S"
    assert any("read by position" in note for note in result.notes)


def test_a_decimal_comma_with_spaces_and_a_byte_order_mark(mirror, tmp_path):
    comma = analyze_file(_eros_file(tmp_path, mirror, lambda t: "\ufeff" + "\n".join(
        " ".join(token.replace(".", ",") for token in line.split()) for line in t.splitlines())))
    assert comma.top_class == "S"


def test_a_dropout_at_the_normalisation_wavelength_is_dropped_and_the_answer_stays_right(eros):
    w, r, clean = eros
    r = r.copy()
    r[(w >= 0.54) & (w <= 0.56)] = 1e-3
    result = analyze(w, r)
    assert any(note.startswith("dropped 9 point(s) at 0.54-0.56 um below their neighbours") for note in result.notes)
    assert result.top_class == clean.top_class and result.albedo == pytest.approx(clean.albedo, rel=0.02)
    assert result.composition is not None and clean.composition is not None
    for mineral, value in clean.composition.items():
        assert abs(result.composition[mineral] - value) < 0.02


def test_a_spectrum_made_mostly_of_glitches_is_flagged_and_gets_no_albedo_or_composition(eros):
    w, r, _ = eros
    r = r.copy()
    r[::4] *= 5.0  # every fourth point a spike: too many to drop
    result = analyze(w, r)
    assert result.out_of_distribution and result.albedo is None and result.composition is None
    assert any("spike" in warning and "fix the file" in warning for warning in result.warnings)


def test_a_flat_line_is_flagged(eros):
    w, _, _ = eros
    result = analyze(w, np.full(w.size, 0.8))
    assert result.out_of_distribution and any("constant to 0.1%" in warning for warning in result.warnings)


def test_a_file_reaching_beyond_the_grid_says_how_much_was_not_used(eros, tmp_path):
    w, r, _ = eros
    far = np.r_[w[w >= 2.3], np.arange(2.5, 4.0, 0.01)]
    level = np.r_[r[w >= 2.3], np.full(far.size - np.sum(w >= 2.3), r[-1])]
    with pytest.raises(SpectrumError, match=r"covers only 2\.3-2\.5 um of the classifier's"):
        analyze(far, level)
    longer = np.r_[w, np.arange(2.51, 3.0, 0.01)]
    result = analyze(longer, np.r_[r, np.full(longer.size - w.size, r[-1])])
    assert any("lies outside the models' 0.40-2.50 um grid" in note for note in result.notes)


def test_a_gap_is_named_and_keeps_the_full_coverage_albedo_network_away(eros):
    w, r, _ = eros
    keep = (w < 0.8) | (w > 2.2)
    result = analyze(w[keep], r[keep])
    assert result.albedo_method.startswith("class-mean rule")
    keep = (w < 0.9) | (w > 1.6)
    result = analyze(w[keep], r[keep])
    assert "missing: 0.91-1.59 um" in result.composition_note


def test_a_wrong_unit_is_called_a_unit_problem(mirror):
    with pytest.raises(SpectrumError, match="outside every model's grid.*check the wavelength unit"):
        analyze_file(mirror / SOURCE, unit="nm")


def test_a_folder_is_analysed_file_by_file(mirror, tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "eros.txt").write_bytes((mirror / SOURCE).read_bytes())
    (tmp_path / "notes.txt").write_text("observing log, no spectrum")
    assert main(["analyze", str(tmp_path), "--json"]) == 2
    entries = json.loads(capsys.readouterr().out)
    assert [pathlib.Path(e["file"]).name for e in entries] == ["notes.txt", "eros.txt"]
    assert "error" in entries[0] and entries[1]["top_class"] == "S"
