"""Integration: every file of the five MIT archive folders in the mirror is read, or refused for a named reason.

Prints the counts per folder, the refusals and the time (run with ``-s`` to see them, or read the report).
"""

import re
import time

import numpy as np
import pytest

from astrokeras import datasets
from astrokeras.datasets.archive import ARCHIVE_FOLDERS, archive_files
from astrokeras.io.spectrum_files import read_spectrum
from astrokeras.spectra import SpectrumError

pytestmark = pytest.mark.integration

# What a refusal may say: each names the problem and the fix (see astrokeras.spectra.spectrum.validate and
# astrokeras.io.spectrum_files); a traceback-like or empty message would not match.
SPECIFIC = re.compile("|".join([
    r"duplicate wavelengths [\d., ]+.*: average or drop the repeated rows",
    r"wavelengths are not sorted \(value .* follows .*\).*sort the rows",
    r"reflectance is negative at \d+ point\(s\) \(at .* um.*check the calibration",
    r"reflectance has \d+ NaN/inf value\(s\).*drop those rows",
    r"only \d+ points: at least \d+ are needed",
    r"no measured point: all \d+ rows are missing or flagged",
    r"cannot tell the wavelength unit.*Pass unit=",
    r"lies within another.*keep one of them",
]))


def test_every_archive_file_is_read_or_refused_with_a_specific_reason(mirror, capsys):
    start = time.perf_counter()
    read, refused, scales, notes = {}, {}, [], {}
    for folder in ARCHIVE_FOLDERS:
        read[folder], refused[folder] = [], []
        for item in archive_files(folder):
            path = mirror / item.path
            try:
                spectrum = read_spectrum(path)
            except SpectrumError as error:
                message = str(error)
                assert message.startswith(f"{path}: "), message
                reason = message.removeprefix(f"{path}: ")
                assert SPECIFIC.search(reason), f"{item.path}: unspecific refusal {reason!r}"
                refused[folder].append((item.path, reason))
                continue
            read[folder].append(spectrum)
            for note in spectrum.notes:
                notes.setdefault(folder, []).append(note)
                if note.startswith("merged 2 overlapping segments"):
                    scales.append(float(note.split("scaled by ")[1].split()[0]))
    seconds = time.perf_counter() - start
    total = sum(len(read[f]) + len(refused[f]) for f in ARCHIVE_FOLDERS)
    failed = sum(len(refused[f]) for f in ARCHIVE_FOLDERS)
    with capsys.disabled():
        print(f"\narchive: {total} files in {seconds:.1f} s, {failed} refused ({100 * failed / total:.2f}%)")
        for folder in ARCHIVE_FOLDERS:
            print(f"  {folder:<9} read {len(read[folder]):>5}  refused {len(refused[folder])}")
            for path, reason in refused[folder]:
                print(f"    {path}: {reason[:110]}")
        print(f"  merge scale factors ({len(scales)}): percentiles 0/5/50/95/100 "
              f"{np.percentile(scales, [0, 5, 50, 95, 100]).round(4).tolist()}")

    assert total == sum(len(archive_files(f)) for f in ARCHIVE_FOLDERS)
    assert failed / total < 0.01
    # SMASS I is in Angstrom: read right, every spectrum lies in the visible (it would be 400-1000 um otherwise).
    assert all(0.40 <= s.wavelength[0] and s.wavelength[-1] <= 1.05 for s in read["smass1"])
    assert sum("Angstrom converted to um" in n for n in notes["smass1"]) == len(read["smass1"]) - 1  # a004062: um
    for folder in ARCHIVE_FOLDERS:  # nothing negative or flagged survives, in any folder
        assert all(np.all(s.reflectance >= 0) and 0.3 < s.wavelength[0] < s.wavelength[-1] < 2.6 for s in read[folder])
    # MITHNEOS: the visible+near-infrared files are merged into one sorted spectrum with a factor near 1 (the
    # archive scaled them already; a wrong overlap or a swapped ratio would give factors far from 1).
    assert len(scales) > 0.2 * len(read["mithneos"])
    assert 0.98 < np.median(scales) < 1.02 and min(scales) > 0.8 and max(scales) < 1.25
    assert sum(s.wavelength[0] < 0.7 and s.wavelength[-1] > 2.0 for s in read["mithneos"]) >= len(scales)


def test_archive_loaders_join_by_number_like_the_other_data_sets(mirror):
    smass1, smass2 = datasets.load_archive("smass1"), datasets.load_smass2()
    # README: 96 numbered asteroids are in both SMASS I and SMASS II.
    assert len(set(smass1.meta["number"].dropna()) & set(smass2.meta["number"].dropna())) == 96
    raw2 = datasets.load_archive("smass2")
    assert raw2.meta["designation"].tolist() == smass2.meta["designation"].tolist()
    assert raw2.meta["prov_id"].fillna("").tolist() == smass2.meta["prov_id"].fillna("").tolist()

    neo = datasets.load_archive("mithneos")
    assert len(neo) + len(neo.refused) == 1851 and neo.sources == {"mirror": 1852}  # the obslog is the 1852nd
    assert set(neo.refused.columns) == {"file", "designation", "number", "reason"} and neo.refused["reason"].all()
    numbers = neo.meta["number"].dropna()
    assert numbers.str.fullmatch(r"[1-9]\d*").all()
    # Issue #11: the raw MITHNEOS files cover 391 of the korda2023 (Bus-DeMeo) asteroids, joined by number.
    busdemeo = datasets.load_busdemeo()
    assert len(set(numbers) & set(busdemeo.meta["number"].dropna())) == 391
    # The observation log numbers provisional files and corrects a file name.
    by_file = neo.meta.set_index("file")
    provisional = by_file.loc["sp01/au1993QP.sp01.txt", ["number", "prov_id", "name"]].tolist()
    assert provisional == ["16636", "1993QP", "1993 QP"]
    assert by_file.loc["sp09/a0011054.sp09.txt", "number"] == "1105"
    eros = neo.meta[neo.meta["number"] == "433"]
    assert len(eros) >= 1 and all(s.notes is not None for s in eros["spectrum"])
