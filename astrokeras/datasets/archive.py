"""The public MIT archive folders as they are: every file read by :func:`~astrokeras.io.spectrum_files.read_spectrum`.

Five folders: ``smass1`` (SMASS I, Angstrom), ``smass2`` (SMASS II, the measured ``.[2]`` files, not the
``.spfit.`` fits), ``smassir`` (near-infrared), ``smassneo`` (near-Earth objects) and ``mithneos`` (IRTF/SpeX
runs, ``<run>/a<number>.<run>.txt``). Each file is read as the archive wrote it (line endings, sentinels,
quality flags, overlapping visible and near-infrared segments) into a :class:`~astrokeras.spectra.spectrum.Spectrum`
whose ``notes`` say what was dropped, converted or merged; a file that cannot be used is listed with the reason.

Designations follow :func:`astrokeras.datasets.load_smass2`: ``number`` is the asteroid number as a string
(``"433"``), ``prov_id`` the provisional designation without spaces (``"1998KM3"``), ``designation`` the number
when there is one, else the provisional designation; join data sets on ``number``. For MITHNEOS the archive's
observation log (``obslog.csv``: url, run, name, number) gives the number of asteroids numbered since their file
was named (``au1993QP`` is 16636) and corrects one file name (``a0011054`` is 1105 Fragaria); its ``name`` is kept.

Example
-------
>>> from astrokeras import datasets
>>> neo = datasets.load_archive("mithneos")                       # doctest: +SKIP
>>> len(neo), len(neo.refused)                                    # doctest: +SKIP
(1845, 6)
>>> neo.meta.loc[neo.meta["number"] == "433", ["run", "file"]]    # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from astrokeras.datasets.fetching import fetch
from astrokeras.datasets.registry import files_of
from astrokeras.datasets.spectral_data import count_sources
from astrokeras.io.spectrum_files import read_spectrum
from astrokeras.spectra import SpectrumError

ARCHIVE_FOLDERS = ("smass1", "smass2", "smassir", "smassneo", "mithneos")
_NOT_SPECTRA = ("README", "DIRECTORY", "SMASSIR.files.txt", "obslog.csv")
_NUMBERED = re.compile(r"^a(\d+)$")
_PROVISIONAL = re.compile(r"^au(\d{4})([A-Za-z]{2})(\d*)$")


@dataclasses.dataclass
class ArchiveSpectra:
    """The spectra of one archive folder, as read.

    Attributes
    ----------
    name : str
        The folder (``"mithneos"``...).
    meta : pandas.DataFrame
        One row per file read: ``designation``, ``number``, ``prov_id``, ``name`` (MITHNEOS log), ``run``
        (MITHNEOS run folder), ``file`` (path in the folder), ``spectrum`` (the
        :class:`~astrokeras.spectra.spectrum.Spectrum`, wavelengths in um, with its ``notes``), ``wavelength_min_um``,
        ``wavelength_max_um``, ``points``.
    refused : pandas.DataFrame
        One row per file that could not be used: ``file``, ``designation``, ``number``, ``reason`` (the
        :class:`~astrokeras.spectra.spectrum.SpectrumError` message, which names the problem and the fix).
    sources : dict
        How the files were found: ``{"mirror": 1852}``.
    """

    name: str
    meta: pd.DataFrame
    refused: pd.DataFrame
    sources: dict = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.meta)

    @property
    def spectra(self) -> list:
        """The spectra read, in the order of :attr:`meta`."""
        return list(self.meta["spectrum"])


def designation_of(filename: str) -> dict:
    """``number`` / ``prov_id`` / ``designation`` from an archive file name.

    >>> designation_of("a000433.sp201n1.txt")["number"], designation_of("au2002ua31.sp113n2.txt")["prov_id"]
    ('433', '2002UA31')
    >>> designation_of("aPluto.sp122.txt")["designation"]
    'Pluto'
    """
    stem = filename.split("/")[-1].split(".")[0]
    if not (_NUMBERED.match(stem) or _PROVISIONAL.match(stem)):
        stem = re.sub(r"(n\d|subm|-obs[A-Z])$", "", stem)  # MITHNEOS night / submission suffixes
    number = prov = None
    if match := _NUMBERED.match(stem):
        number = str(int(match.group(1)))
    elif match := _PROVISIONAL.match(stem):
        prov = match.group(1) + match.group(2).upper() + match.group(3)
    other = None if number or prov else stem[1:] if stem.startswith("a") else stem
    return {"designation": number or prov or other, "number": number, "prov_id": prov}


def archive_files(folder: str) -> list:
    """The registered spectrum files of one archive folder (no README, log or ``.spfit.`` fits)."""
    if folder not in ARCHIVE_FOLDERS:
        raise KeyError(f"unknown archive folder {folder!r}; known: {', '.join(ARCHIVE_FOLDERS)}")
    items = [e for e in files_of(folder) if e.path.split("/")[-1] not in _NOT_SPECTRA]
    if folder == "smass2":
        items = [e for e in items if e.path.endswith(".[2]") and ".spfit." not in e.path]
    return items


def _obslog(found: list) -> dict:
    log = fetch("mithneos/obslog.csv")
    found.append(log)
    table = pd.read_csv(log.path, dtype=str)
    out = {}
    for row in table.itertuples(index=False):
        number = None if pd.isna(row.number) else str(int(float(row.number)))
        out[f"{row.run}/{row.url.rsplit('/', 1)[-1]}"] = {"name": row.name, "number": number}
    return out


def load_archive(folder: str) -> ArchiveSpectra:
    """Every spectrum file of an MIT archive folder read as it is (``"smass1"``, ``"smass2"``, ``"smassir"``,
    ``"smassneo"`` or ``"mithneos"``); see the module doc for the designations."""
    items = archive_files(folder)
    found = []
    log = _obslog(found) if folder == "mithneos" else {}
    rows, refused = [], []
    for item in items:
        local = fetch(item.path)
        found.append(local)
        file = item.path.split("/", 1)[1]
        ids = designation_of(file)
        logged = log.get(file, {})
        if logged.get("number"):
            ids["number"] = logged["number"]
            ids["designation"] = logged["number"]
        run = file.split("/")[0] if folder == "mithneos" else None
        try:
            spectrum = read_spectrum(local.path)
        except SpectrumError as error:
            reason = str(error).removeprefix(f"{local.path}: ")
            refused.append({"file": file, "designation": ids["designation"], "number": ids["number"],
                            "reason": reason})
            continue
        rows.append({**ids, "name": logged.get("name"), "run": run, "file": file, "spectrum": spectrum,
                     "wavelength_min_um": float(spectrum.wavelength[0]),
                     "wavelength_max_um": float(spectrum.wavelength[-1]), "points": int(spectrum.wavelength.size)})
    meta = pd.DataFrame(rows, columns=["designation", "number", "prov_id", "name", "run", "file", "spectrum",
                                       "wavelength_min_um", "wavelength_max_um", "points"])
    refused = pd.DataFrame(refused, columns=["file", "designation", "number", "reason"])
    return ArchiveSpectra(folder, meta, refused, sources=count_sources(found))
