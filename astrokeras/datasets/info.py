"""``astrokeras data info``: each data set, where its files were found, counts and class tallies.

Example
-------
>>> from astrokeras.datasets.info import dataset_summaries
>>> rows = list(dataset_summaries())                  # doctest: +REQUIRES_DATA
>>> [(r["name"], r["count"]) for r in rows][:2]       # doctest: +REQUIRES_DATA
[('smass2', 1341), ('busdemeo', 591)]
"""

from __future__ import annotations

import numpy as np

from astrokeras import datasets


def _tally(values) -> dict:
    series = [v for v in values if v is not None and v == v]
    labels, counts = np.unique(np.array(series, dtype=str), return_counts=True)
    return {str(k): int(v) for k, v in sorted(zip(labels, counts), key=lambda kv: -kv[1])}


def _summary(name, data, **extra) -> dict:
    return {"name": name, "found": data.sources, "count": len(data), "bands": data.bands,
            "wavelength_um": [round(float(data.wavelength[0]), 4), round(float(data.wavelength[-1]), 4)],
            **extra}


def dataset_summaries():
    """Yield one summary dict per data set (loading each from the mirror, the cache or the internet)."""
    smass = datasets.load_smass2()
    yield _summary("smass2", smass, labelled=int(smass.meta["bus_class"].notna().sum()),
                   kept_4class=int(smass.meta["class_4"].notna().sum()), classes=_tally(smass.meta["class_4"]))
    busdemeo = datasets.load_busdemeo()
    yield _summary("busdemeo", busdemeo, kept_11class=int(busdemeo.meta["class_11"].notna().sum()),
                   classes=_tally(busdemeo.meta["class_11"]))
    minerals = datasets.load_minerals()
    em = datasets.endmembers(minerals=minerals)
    yield _summary("minerals", minerals, pure={n: int(len(em.pure[n])) for n in em.names})
    albedos = datasets.load_albedos()
    yield _summary("albedos", albedos, of=len(busdemeo), by_source=_tally(albedos.meta["albedo_source"]),
                   classes=_tally(albedos.meta["class_11"]),
                   albedo_mean=round(float(albedos.meta["albedo"].mean()), 4))
    itokawa = datasets.load_itokawa()
    yield _summary("itokawa", itokawa)
    gaia = datasets.load_gaia_dr3()
    yield _summary("gaia_dr3", gaia, flagged_bands=round(float(np.mean(gaia.flags > 0)), 4))
    templates = datasets.load_demeo_templates()
    yield _summary("demeo_templates", templates, classes=list(templates.meta["class"]))


def format_summary(row: dict) -> str:
    """One line of the human-readable table."""
    where = ", ".join(f"{k}: {v}" for k, v in row["found"].items())
    span = "-".join(f"{w:g}" for w in row["wavelength_um"])
    extras = {k: v for k, v in row.items() if k not in ("name", "found", "count", "bands", "wavelength_um")}
    detail = "; ".join(f"{k}={v}" for k, v in extras.items())
    return f"{row['name']:<16} {row['count']:>6} spectra x {row['bands']:>3} bands ({span} um)  [{where}]  {detail}"
