"""The registry of every real data file astrokeras reads: pinned public URL, sha256, size, licence, citation.

Each file has a *path* relative to the data root (the same layout as a local mirror pointed at by
``ASTROKERAS_DATA_DIR`` and as the Keras cache folder ``~/.keras/astrokeras``). GitHub URLs are pinned to a
commit, so the bytes (and the sha256) never change.

The multi-file collections list their members in a manifest shipped with the package
(``manifests/<name>.sha256``: ``sha256  size  path`` per line, the path relative to the collection's folder):
SMASS II (2683 files), Gaia DR3 (20), and the MIT archive as it is, SMASS I (317), SMASSIR (252), SMASSNEO (63)
and MITHNEOS (1852: 1851 spectra in 234 run folders and ``obslog.csv``).

Example
-------
>>> from astrokeras.datasets.registry import entry, files_of
>>> entry("korda2023/asteroid-spectra_denoised_norm.npz").size
814609
>>> len(files_of("smass2"))
2683
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import urllib.parse
from importlib import resources

_KORDA = "https://raw.githubusercontent.com/Sirrah91/Asteroid-spectra/0816f706ec1b5f133b4f49bb927eaeee60b296ee/"
_CLASSY = "https://raw.githubusercontent.com/maxmahlke/classy/8dc18d0808bb34c9959a9e3e6625158dc27e5824/data/"
_CLASSY_APP = "https://raw.githubusercontent.com/maxmahlke/classy-app/458a1c1d5254372a909c9c0d996d7c64f927f08f/data/"
_PDS_TAXONOMY = "https://raw.githubusercontent.com/mlbuiten515/Comp516/72f95799a1cd6be589d10ea6be5f30850ea6afa8/"
_SPITZER = "https://raw.githubusercontent.com/mommermi/spitzerneos/1d432b6c242c446badbecca3004d6e0adcb8d436/"
_CANA = "https://raw.githubusercontent.com/cana-asteroids/cana/afb7b01/cana/datasets/data/taxonomy/"


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A public data set: where it comes from, under which licence, and how to cite it."""

    name: str
    title: str
    licence: str
    citation: str
    source: str


@dataclasses.dataclass(frozen=True)
class DataFile:
    """One file of a data set: ``path`` under the data root, pinned ``url``, ``sha256`` and ``size`` in bytes."""

    dataset: str
    path: str
    url: str
    sha256: str
    size: int


DATASETS = {
    d.name: d
    for d in [
        Dataset(
            "korda2023",
            "Asteroid and RELAB mineral VIS-NIR spectra, Hayabusa NIRS Itokawa spectra",
            "MIT",
            "Korda D. et al. 2023, A&A 669, A101 and A&A 675, A50",
            "github Sirrah91/Asteroid-spectra @ 0816f706",
        ),
        Dataset(
            "smass2",
            "SMASS II visible spectra (1341 asteroids)",
            "public MIT SMASS archive",
            "Bus S. J. & Binzel R. P. 2002, Icarus 158, 106",
            "smass.mit.edu/data/smass/smass2data.tar.gz, pinned copy github maxmahlke/classy-app @ 458a1c1",
        ),
        Dataset(
            "pds_taxonomy",
            "NASA PDS Asteroid Taxonomy V6.0 (taxonomy10.tab)",
            "public domain (US government)",
            "Neese C. 2010, EAR-A-5-DDR-TAXONOMY-V6.0, NASA Planetary Data System",
            "sbn.psi.edu/archive/bundles/ast_taxonomy, pinned copy github mlbuiten515/Comp516 @ 72f9579",
        ),
        Dataset(
            "mahlke2022",
            "Mahlke+2022 classification tables, class templates and albedos",
            "MIT",
            "Mahlke M., Carry B. & Mattei P.-A. 2022, A&A 665, A26",
            "github maxmahlke/classy @ 8dc18d0",
        ),
        Dataset(
            "spitzerneos",
            "ExploreNEOs / NEOSurvey Spitzer diameters and albedos",
            "public data",
            "Trilling D. E. et al. 2010, AJ 140, 770; Trilling D. E. et al. 2016, AJ 152, 172",
            "github mommermi/spitzerneos @ 1d432b6",
        ),
        Dataset(
            "demeo2009",
            "Bus-DeMeo class mean spectra",
            "MIT",
            "DeMeo F. E. et al. 2009, Icarus 202, 160",
            "github maxmahlke/classy @ 8dc18d0; github cana-asteroids/cana @ afb7b01",
        ),
        Dataset(
            "gaia_dr3",
            "Gaia DR3 asteroid reflectance spectra (60518 asteroids x 16 bands)",
            "CC BY-SA 3.0 IGO (ESA)",
            "Gaia Collaboration, Galluccio L. et al. 2023, A&A 674, A35",
            "cdn.gea.esac.esa.int/Gaia/gdr3/Solar_system/sso_reflectance_spectrum, pinned copy classy-app @ 458a1c1",
        ),
        Dataset(
            "smass1",
            "SMASS I visible spectra (316 files, wavelengths in Angstrom)",
            "public MIT SMASS archive",
            "Xu S., Binzel R. P., Burbine T. H. & Bus S. J. 1995, Icarus 115, 1",
            "smass.mit.edu/data/smass (smass1data_new.tar.gz), pinned copy github maxmahlke/classy-app @ 458a1c1",
        ),
        Dataset(
            "smassir",
            "SMASS near-infrared spectra (251 files, 0.9-1.65 um)",
            "public MIT SMASS archive",
            "Burbine T. H. & Binzel R. P. 2002, Icarus 159, 468",
            "smass.mit.edu/data/smass (smassirdata.tar.gz), pinned copy github maxmahlke/classy-app @ 458a1c1",
        ),
        Dataset(
            "smassneo",
            "SMASS visible spectra of near-Earth objects (63 files)",
            "public MIT SMASS archive",
            "Binzel R. P. et al. 2001, Icarus 151, 139",
            "smass.mit.edu/data/smass (smassneodata.tar.gz), pinned copy github maxmahlke/classy-app @ 458a1c1",
        ),
        Dataset(
            "mithneos",
            "MITHNEOS IRTF/SpeX near-infrared and visible+near-infrared spectra (1851 files, 234 runs)",
            "public MIT archive",
            "Binzel R. P. et al. 2019, Icarus 324, 41; observation log: Mahlke M. (classy)",
            "smass.mit.edu/data/spex, pinned copy github maxmahlke/classy-app @ 458a1c1",
        ),
    ]
}


def _single(dataset, path, url, sha256, size):
    return DataFile(dataset, path, url, sha256, size)


_SINGLE_FILES = [
    _single("korda2023", "korda2023/asteroid-spectra_denoised_norm.npz",
            _KORDA + "v3.0/datasets/asteroid-spectra_denoised_norm.npz",
            "4074319c63655557406e10c379a272ce7ba9a2a995cd264317ac480ba67981c3", 814609),
    _single("korda2023", "korda2023/mineral-spectra_denoised.npz",
            _KORDA + "v3.0/datasets/mineral-spectra_denoised.npz",
            "b7d9bff9b37a080d485338609f7fbfb17a2142aa3acdd7b61f37a6e1ea066e7f", 982417),
    _single("korda2023", "korda2023/mineral-spectra_denoised_norm.npz",
            _KORDA + "v3.0/datasets/mineral-spectra_denoised_norm.npz",
            "c41f5fce66b54a5550a1fa7b7ce35cf79ecfbf0d32d2271b4dd79995599af1a0", 960460),
    _single("korda2023", "korda2023/Itokawa_denoised.npz",
            _KORDA + "v2.0/Datasets/Itokawa_denoised.npz",
            "804c832a85dcfa6e52299d8840738e5f67805e707fd07b9f4eb21f3bb9739d22", 3812670),
    _single("pds_taxonomy", "pds_taxonomy/taxonomy10.tab", _PDS_TAXONOMY + "taxonomy10.tab",
            "e9e59a9bc92290def1295650f55b3c9b9603c25996bc98fd97c25f712342597f", 329490),
    _single("pds_taxonomy", "pds_taxonomy/taxonomy10.xml",
            "https://sbn.psi.edu/archive/bundles/ast_taxonomy/data/taxonomy10.xml",
            "d399d876d91a00ec0b8c2d6398b3ef05f13f9b5c0fe34e43a75c4b8c9ec9bc4d", 30923),
    _single("mahlke2022", "mahlke2022/class_visnir.csv", _CLASSY + "mahlke2022/csv/class_visnir.csv",
            "32a4ba5263b685dd1fd727966493766dc72adf372bcbb8c8fe76134312cae887", 2911061),
    _single("mahlke2022", "mahlke2022/class_vis.csv", _CLASSY + "mahlke2022/csv/class_vis.csv",
            "3520b0b05de7b42ce33a8ae8af18557bb8528e5667d6ca857bf92da0742bb8d3", 2612968),
    _single("mahlke2022", "mahlke2022/class_templates.csv", _CLASSY + "mahlke2022/csv/class_templates.csv",
            "a460d8f681d0de5e0f08570ac0441d5ccd04bab850b50deb01a815e42b4e7679", 20369),
    _single("mahlke2022", "mahlke2022/reference_albedo.csv", _CLASSY + "mahlke2022/csv/reference_albedo.csv",
            "43f9b25235e60d604fcc176ad92987b3e7105596f343690c0b45533cf72943a9", 2352),
    _single("spitzerneos", "spitzerneos/spitzerneos.csv", _SPITZER + "spitzerneos.csv",
            "c825faea8e08d1fbbf08d3445d5c0f477f5abbb69ab1ab7ac2114a365b2b9622", 889056),
    _single("demeo2009", "demeo2009/templates.csv", _CLASSY + "demeo2009/templates.csv",
            "73413d9b5dbea1f88f3e4df2dc5dde33408631369c714a8d2fcdf8a65e3ad0be", 13034),
    _single("demeo2009", "demeo2009/bus_demeo.tab", _CANA + "bus_demeo.tab",
            "97e2fe973691d95af445d57362a0b01c16f417636261ad69c17dc0735ad0a23e", 12095),
]

_COLLECTION_URLS = {
    "smass2": _CLASSY_APP + "smass/smass2/",
    "gaia_dr3": _CLASSY_APP + "gaia/",
    "smass1": _CLASSY_APP + "smass/smass1/",
    "smassir": _CLASSY_APP + "smass/smassir/",
    "smassneo": _CLASSY_APP + "smass/smassneo/",
    "mithneos": _CLASSY_APP + "mithneos/",
}


def _collection(dataset: str) -> list[DataFile]:
    text = resources.files("astrokeras.datasets").joinpath("manifests", f"{dataset}.sha256").read_text()
    files = []
    for line in text.splitlines():
        sha256, size, name = line.split(maxsplit=2)
        url = _COLLECTION_URLS[dataset] + urllib.parse.quote(name)
        files.append(DataFile(dataset, f"{dataset}/{name}", url, sha256, int(size)))
    return files


@functools.lru_cache(maxsize=None)
def registry() -> dict[str, DataFile]:
    """Every registered file, as ``{path: DataFile}`` (the manifests are read once)."""
    entries = list(_SINGLE_FILES)
    for dataset in _COLLECTION_URLS:
        entries.extend(_collection(dataset))
    return {e.path: e for e in entries}


def entry(path: str) -> DataFile:
    """The registry entry of one file, by its path under the data root."""
    try:
        return registry()[path]
    except KeyError:
        raise KeyError(f"{path!r} is not a registered astrokeras data file (see astrokeras.datasets.registry)") from None


def files_of(dataset: str) -> list[DataFile]:
    """Every registered file of one data set, in registry order."""
    if dataset not in DATASETS:
        raise KeyError(f"unknown data set {dataset!r}; known: {', '.join(DATASETS)}")
    return [e for e in registry().values() if e.dataset == dataset]


def registry_digest() -> str:
    """A digest (hex, 16 characters) of every registered file's path and sha256: the data a result was computed from
    (a file is only ever read after its sha256 matched the registry, so the registry names the bytes)."""
    digest = hashlib.sha256()
    for path, item in sorted(registry().items()):
        digest.update(f"{path}\t{item.sha256}\n".encode())
    return digest.hexdigest()[:16]
