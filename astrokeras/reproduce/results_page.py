"""``docs/results.md``: every table of the last runs, written by the code from the saved results, never by hand.

The page reads the table JSONs a reproduce run leaves in its output folder (``table5.json``, ``tablecoverage.json``,
``composition.json``...), prints each with the same text formatter as the command line, copies its figures next to
the page and says when, from which commit and on which machine the figures were computed, and how much compute
the saved folds hold (the sum of their units' seconds, however many runs it took to fill them).

A table whose JSON is not in the output folder keeps its section of the page being replaced, marked with the date
and commit of that page: a run of one table on a fresh clone (whose ``outputs/`` is empty) adds that table and
loses none of the others.

Example
-------
>>> from astrokeras.reproduce.results_page import TITLES
>>> TITLES["coverage"]
'Coverage table: taxonomy at every wavelength coverage and across surveys'
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess

# every table, in the order `make run` runs them (main_job.ALL_TABLES and the CLI's --table choices read it)
TITLES = {
    "settings": "Settings chosen on validation data",
    "coverage": "Coverage table: taxonomy at every wavelength coverage and across surveys",
    "coverage-levers": "Coverage levers: a linear model beside CoverageNet, a temperature per coverage",
    "coverage-training": "CoverageNet training levers: rare classes repeated, near-infrared copies (validation)",
    "coverage-ensemble": "CoverageNet ensemble: K networks by seed against one (validation)",
    "fine-classes": "Finer schemes: exact Bus-DeMeo and Bus classes",
    "composition": "Composition table: modal mineralogy and chemistry of RELAB spectra, and the asteroids",
    "composition-levers": "Composition levers: space-weathering copies, on fresh and weathered spectra",
    "composition-ensemble": "Composition ensemble: the spread over seeds, and the shipped ensemble of five",
    "composition-blend": "Composition blend: CompositionNet beside the Korda-style CNN, their blend, the worst spectra",
    "composition-coverage": "Composition coverage: the models on the wavelength windows archive files have",
    "5": "Table 5: 4-class taxonomy of SMASS II visible spectra",
    "7": "Table 7: 11-class taxonomy of korda2023 VIS-NIR spectra",
    "11": "Table 11: top-2 classes of named asteroids, out of fold",
    "9": "Table 9: geometric albedo (AAED)",
    "10": "Table 10: albedo by type S / C / X",
    "13": "Table 13: albedo of named asteroids",
    "albedo-visible": "Albedo from visible spectra (AAED-visible)",
    "8": "Table 8: unmixing simulated mixtures (ACAD)",
    "korda": "Unmixing the RELAB mixtures with known modal abundances",
    "12": "Table 12: Itokawa and Eros",
}
# the folder under <output>/folds/ that holds each table's saved units
FOLD_FOLDERS = {"coverage": ["coverage"], "coverage-training": ["coverage-training"],
                "coverage-ensemble": ["coverage-ensemble"], "fine-classes": ["fine-classes"],
                "composition": ["composition"],
                "composition-levers": ["composition-levers"],
                "composition-ensemble": ["composition-ensemble-table", "composition-ensemble"],
                "composition-blend": ["composition-blend", "composition-ensemble-table"],
                "composition-coverage": ["composition-coverage", "composition-coverage-spex",
                                         "composition-coverage-spex-seeds"],
                "5": ["table5"], "7": ["table7"],
                "9": ["albedo-aae-net-albedo"], "albedo-visible": ["albedo-aae-net-albedo-visible"],
                "settings": ["tablesettings"], "8": ["table8"], "korda": ["tablekorda"], "12": ["table12"]}


def table_json(output, table: str) -> pathlib.Path:
    """Where a reproduce run writes ``table``'s JSON."""
    name = "composition.json" if table == "composition" else f"table{table}.json"
    return pathlib.Path(output) / name


def saved_compute(output, table: str, quick: bool = False) -> tuple[float, int, str | None]:
    """``(seconds, units, last finished)`` of the saved units behind ``table`` (0, 0, None when none)."""
    seconds, units, last = 0.0, 0, None
    for folder in FOLD_FOLDERS.get(table, []):
        for record in sorted((pathlib.Path(output) / "folds" / (folder + ("-quick" if quick else ""))).glob("*.json")):
            try:
                info = json.loads(record.read_text())
            except json.JSONDecodeError:
                continue
            seconds += info.get("seconds") or 0.0
            units += 1
            last = max(last or "", info.get("finished") or "")
    return seconds, units, last


def commit() -> str:
    """The git commit of the working tree (``+ uncommitted changes`` when it differs), or "unknown"."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + (" + uncommitted changes" if dirty else "")


def _figures(result) -> list:
    found = [result.get("figure")] + list(result.get("figures") or [])
    found.append((result.get("asteroids") or {}).get("figure"))
    return [pathlib.Path(f) for f in found if f]


def write_results_page(output, path, *, tables, format_result, quick: bool = False) -> pathlib.Path:
    """Write the page for the ``tables`` whose JSON is in ``output`` (the others are listed as not run yet);
    ``format_result`` turns a table's JSON into its text. Figures are copied to ``<page folder>/figures/``."""
    output, path = pathlib.Path(output), pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figures_dir = path.parent / "figures"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sha = commit()
    written = f"written {when}, commit {sha}"
    machine = f"{platform.machine()}, {os.cpu_count()} CPU(s), {platform.system()}, Python {platform.python_version()}"
    lines = ["# astrokeras: measured results", "",
             f"Written by `astrokeras reproduce` on {when} from the saved results in `{output}/` (commit {sha}; "
             f"{machine}). No figure on this page is typed by hand: `make run` computes what is missing and writes "
             "it again.", "",
             "Every figure comes from spectra the model never saw in any form: folds grouped by asteroid or by "
             "material, a fixed seed, the same folds for every method, augmentation inside the training part only, "
             "every choice made on validation data carved from the training part. Each table says how many of its "
             "folds it holds." + (" **Quick run: few epochs and methods, a smoke test, not measured figures.**"
                                   if quick else ""), "",
             "| table | folds computed | compute in its saved folds | last fold finished |", "|---|---|---|---|"]
    results, missing = {}, []
    for table in tables:
        source = table_json(output, table)
        if source.exists():
            results[table] = json.loads(source.read_text())
        else:
            missing.append(table)
    kept = previous_sections(path.read_text() if path.exists() else "", missing)
    missing = [t for t in missing if t not in kept]
    for table in tables:
        if table in results:
            seconds, units, last = saved_compute(output, table, quick)
            compute = f"{seconds / 60:.1f} min in {units} units" if units else "-"
            lines.append(f"| [{TITLES.get(table, table)}](#{_anchor(table)}) | {_folds_of(results[table])} | "
                         f"{compute} | {last or '-'} |")
        elif table in kept:
            lines.append(kept[table]["row"])
    if kept:
        groups = {}
        for table, part in kept.items():
            groups.setdefault(part["written"], []).append(TITLES.get(table, table))
        lines += ["", f"Kept from earlier pages, their JSON not being in `{output}/`: " + "; ".join(
            f"{', '.join(titles)} ({when_kept})" for when_kept, titles in groups.items()) + "."]
    if missing:
        lines += ["", "Not run yet: " + ", ".join(TITLES.get(t, t) for t in missing) + "."]
    for table in tables:
        if table in kept:
            lines += ["", *kept[table]["section"]]
            continue
        if table not in results:
            continue
        result = results[table]
        lines += ["", f'<a id="{_anchor(table)}"></a>', f"<!-- {written} -->", "", f"## {TITLES.get(table, table)}",
                  "", "```text", format_result(result), "```"]
        for figure in _figures(result):
            source = figure if figure.is_absolute() or figure.exists() else output / figure.name
            if source.exists():
                figures_dir.mkdir(exist_ok=True)
                shutil.copyfile(source, figures_dir / source.name)
                lines += ["", f"![{TITLES.get(table, table)}](figures/{source.name})"]
    path.write_text("\n".join(lines) + "\n")
    return path


def previous_sections(page: str, tables) -> dict:
    r"""``{table: {"row", "section", "written"}}`` of ``tables`` found in an earlier ``page``: the index row, the
    section's lines (anchor to the line before the next anchor) and when and from which commit the section was
    written (its ``<!-- written ... -->`` line, else the page's header; the line is added to the section).

    >>> page = ("Written by `astrokeras reproduce` on 2026-12-07 14:28 UTC from the saved results in `outputs/` "
    ...         "(commit d3941e1; x86_64)\n| [Table 5](#table-5) | 5 of 5 | - | - |\n\n"
    ...         '<a id="table-5"></a>\n\n## Table 5\n\ntext\n')
    >>> kept = previous_sections(page, ["5", "7"])
    >>> list(kept), kept["5"]["written"], kept["5"]["section"][:2]
    (['5'], 'written 2026-12-07 14:28 UTC, commit d3941e1', ['<a id="table-5"></a>', '<!-- written 2026-12-07 14:28 UTC, commit d3941e1 -->'])
    """
    found = re.search(r"on (\d{4}-\d\d-\d\d \d\d:\d\d UTC) .*?\(commit ([^;)]+)", page)
    page_written = f"written {found.group(1)}, commit {found.group(2)}" if found else "written by an earlier page"
    lines = page.splitlines()
    anchors = [i for i, line in enumerate(lines) if line.startswith('<a id="table-')]
    out = {}
    for table in tables:
        anchor = f'<a id="{_anchor(table)}"></a>'
        row = next((line for line in lines if line.startswith("| [") and f"](#{_anchor(table)})" in line), None)
        if anchor not in lines or row is None:
            continue
        start = lines.index(anchor)
        stop = next((i for i in anchors if i > start), len(lines))
        section = lines[start:stop]
        while section and not section[-1].strip():
            section.pop()
        marked = next((line[5:-4] for line in section if line.startswith("<!-- written ")), None)
        if marked is None:
            section.insert(1, f"<!-- {page_written} -->")
        out[table] = {"row": row, "section": section, "written": marked or page_written}
    return out


def _anchor(table: str) -> str:
    return f"table-{table}"


def _folds_of(result: dict) -> str:
    if "folds" not in result:
        return "-"
    shown = f"{len(result['folds'])} of {result['of_folds']}"
    if len(result["folds"]) == result["of_folds"]:
        return shown
    return f"{shown} (fold {', '.join(map(str, result['folds']))})"
