"""The deployment assets in export/: the TF Serving layout of the shipped presets against the compose file and
models.config, the SavedModels in a fresh process, the REST and gRPC clients, and the edge script with only
numpy and ai-edge-litert."""

import ast
import http.server
import inspect
import json
import os
import pathlib
import re
import subprocess
import sys
import threading

import numpy as np
import pytest
import yaml

from astrokeras.evaluation.sigma_bounds import bounded_log_sigma
from astrokeras.export.serving import SERVED_MODELS, SERVING_ROOT, read_models_config, write_serving_layout
from astrokeras.presets import card_of, preset_path

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXPORT = ROOT / "export"
REFERENCE_SPECTRA = 64
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def _has_mirror() -> bool:
    path = os.environ.get("ASTROKERAS_DATA_DIR")
    return bool(path) and pathlib.Path(path).is_dir()


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """The shipped presets written once in TF Serving's layout, analyze's chain (reference files only where the
    mirror is)."""
    out = tmp_path_factory.mktemp("serving") / "models"
    written = write_serving_layout(None, out, reference_spectra=REFERENCE_SPECTRA if _has_mirror() else 0)
    return out, written


@pytest.fixture(scope="module")
def paper_layout(tmp_path_factory):
    """The paper's chain (ASC-Net, AAE-Net, AE-trans) in TF Serving's layout."""
    out = tmp_path_factory.mktemp("serving-paper") / "models"
    written = write_serving_layout(None, out, chain="paper", reference_spectra=24 if _has_mirror() else 0)
    return out, written


def _service():
    compose = yaml.safe_load((EXPORT / "docker-compose.yml").read_text())
    services = [s for s in compose["services"].values() if s["image"].startswith("tensorflow/serving")]
    assert len(services) == 1, "docker-compose.yml should run one tensorflow/serving service"
    return services[0]


def _mounts(service) -> dict:
    """``{container path: host path relative to export/}`` of the service's bind mounts."""
    return {volume.split(":")[1]: volume.split(":")[0] for volume in service["volumes"]}


def _flag(service, name) -> str:
    values = [arg.split("=", 1)[1] for arg in service["command"] if arg.startswith(f"--{name}=")]
    assert len(values) == 1, f"--{name} should be given once in docker-compose.yml"
    return values[0]


def test_compose_and_models_config_name_the_written_layout(layout):
    out, written = layout
    service = _service()
    mounts = _mounts(service)
    assert {"8501:8501", "8500:8500"} <= set(service["ports"])
    assert (_flag(service, "rest_api_port"), _flag(service, "port")) == ("8501", "8500")
    # The config the server reads is the committed export/models.config, mounted where --model_config_file says.
    config_target = _flag(service, "model_config_file")
    assert (EXPORT / mounts[config_target]).resolve() == EXPORT / "models.config"
    committed = (EXPORT / "models.config").read_text()
    assert committed == (out / "models.config").read_text(), "export/models.config is stale: rewrite it"
    # The layout folder is mounted at the root the base paths name, and is where write_serving_layout writes.
    assert mounts[SERVING_ROOT] == "./models"
    default_out = inspect.signature(write_serving_layout).parameters["out_dir"].default
    assert (ROOT / default_out).resolve() == (EXPORT / mounts[SERVING_ROOT]).resolve()
    entries = read_models_config(committed)
    assert [e["name"] for e in entries] == list(SERVED_MODELS) == list(written)
    for entry in entries:
        assert entry["model_platform"] == "tensorflow"
        assert entry["base_path"].startswith(SERVING_ROOT + "/")
        folder = out / entry["base_path"][len(SERVING_ROOT) + 1:]
        versions = [p for p in folder.iterdir() if p.is_dir()]
        assert [p.name for p in versions] == [str(written[entry["name"]]["version"])], folder
        assert versions[0].name.isdigit() and int(versions[0].name) > 0
        assert (versions[0] / "saved_model.pb").is_file() and (versions[0] / "variables").is_dir()


def test_read_models_config_rejects_another_file():
    with pytest.raises(ValueError, match="model_config_list"):
        read_models_config("services:\n  tf-serving: {}\n")


def test_every_model_has_its_edge_files_and_card(layout):
    out, written = layout
    for name, entry in written.items():
        card = json.loads((out / "edge" / name / "card.json").read_text())
        preset = card_of(entry["preset"])
        assert card["grid_um"] == preset["grid_um"] and card["version"] == entry["version"]
        assert set(entry["tflite"]) == {"float32", "dynamic"} and all(p.is_file() for p in entry["tflite"].values())
        # dynamic-range weights are int8: the file is well under the float32 one
        assert entry["tflite"]["dynamic"].stat().st_size < 0.6 * entry["tflite"]["float32"].stat().st_size
        # the card names the outputs a client gets back (CoverageNet's are "features", not its layer's name)
        import tensorflow as tf

        served = tf.saved_model.load(str(entry["savedmodel"])).signatures["serving_default"].structured_outputs
        assert set(card["outputs"]) == set(served)
    assert list(json.loads((out / "edge" / "aae_net" / "card.json").read_text())["inputs"]) == [
        "spectrum", "class_probabilities"]


def test_an_existing_version_is_not_overwritten_silently(layout, tmp_path):
    out, _ = layout
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_serving_layout(None, out, models={"coverage_net": SERVED_MODELS["coverage_net"]}, reference_spectra=0)
    with pytest.raises(ValueError, match="letters, digits"):
        write_serving_layout(None, tmp_path, models={"coverage-net": SERVED_MODELS["coverage_net"]},
                             reference_spectra=0)
    with pytest.raises(ValueError, match="analyze, paper"):
        write_serving_layout(None, tmp_path, chain="mine", reference_spectra=0)


def _smooth_spectra(rows: int, bands: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = np.linspace(0.0, 1.0, bands)
    return (1.0 + rng.uniform(-0.3, 0.6, (rows, 1)) * x + 0.05 * np.sin(6 * x + rng.uniform(0, 6, (rows, 1))))


def test_written_savedmodel_answers_in_a_fresh_process_like_keras(layout, tmp_path):
    import keras

    out, written = layout
    entry = written["aae_net"]
    card = card_of(entry["preset"])
    X = _smooth_spectra(5, len(card["grid_um"])).astype("float32")
    P = np.full((5, len(card["classes"])), 1.0 / len(card["classes"]), "float32")
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "p.npy", P)
    code = (
        "import sys, numpy as np, tensorflow as tf\n"
        f"serve = tf.saved_model.load(r'{entry['savedmodel']}').signatures['serving_default']\n"
        f"out = serve(spectrum=tf.constant(np.load(r'{tmp_path / 'x.npy'}')),\n"
        f"            class_probabilities=tf.constant(np.load(r'{tmp_path / 'p.npy'}')))\n"
        "assert 'astrokeras' not in sys.modules and list(out) == ['albedo'], (list(out), 'astrokeras' in sys.modules)\n"
        f"np.save(r'{tmp_path / 'y.npy'}', out['albedo'].numpy())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=tmp_path, env=ENV)
    model = keras.saving.load_model(str(preset_path(entry["preset"])), compile=False)
    expected = model.predict({"spectrum": X, "class_probabilities": P}, verbose=0)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-5)


def test_saved_model_cli_runs_the_written_classifier(layout, tmp_path):
    from astrokeras.export.tflite import TFLiteModel

    out, written = layout
    entry = written["coverage_net"]
    bands = len(card_of(entry["preset"])["grid_um"])
    X = np.log(_smooth_spectra(2, bands)).astype("float32")
    M = np.ones((2, bands), "float32")
    M[:, :30] = 0.0  # a near-infrared-only coverage
    X = np.where(M > 0, X - (X * M).sum(1, keepdims=True) / M.sum(1, keepdims=True), 0.0).astype("float32")
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "m.npy", M)
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run(
        [cli, "run", "--dir", str(entry["savedmodel"]), "--tag_set", "serve", "--signature_def", "serving_default",
         "--inputs", f"spectrum={tmp_path / 'x.npy'};mask={tmp_path / 'm.npy'}"], check=True, capture_output=True,
        text=True, env=ENV)
    assert "Result for output key probabilities" in result.stdout
    text = result.stdout.split("probabilities:")[-1]
    numbers = np.array([float(v) for v in re.findall(r"[-+]?\d*\.\d+(?:e[-+]?\d+)?", text)])
    expected = TFLiteModel.from_file(entry["tflite"]["float32"]).run(spectrum=X, mask=M)["probabilities"]
    np.testing.assert_allclose(numbers.reshape(expected.shape), expected, atol=1e-4)


# --- the edge script -----------------------------------------------------------------------------------------


def _imported_modules(path) -> set:
    names = set()
    for node in ast.walk(ast.parse(pathlib.Path(path).read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else node.module.split(".")[0])
    return names


def test_edge_eval_imports_only_numpy_ai_edge_litert_and_the_standard_library():
    allowed = {"numpy", "ai_edge_litert"} | set(sys.stdlib_module_names)
    names = _imported_modules(EXPORT / "edge_eval.py")
    assert {"numpy", "ai_edge_litert"} <= names
    assert names <= allowed, f"edge_eval.py imports {sorted(names - allowed)}"


def _only_litert_path(tmp_path) -> pathlib.Path:
    """A folder holding numpy and ai_edge_litert alone (links to the installed ones): with ``python -S`` and this
    as PYTHONPATH, nothing else is importable, as on a board with only those two installed."""
    import ai_edge_litert

    site = tmp_path / "site"
    site.mkdir()
    for module in (np, ai_edge_litert):
        package = pathlib.Path(module.__file__).parent
        (site / package.name).symlink_to(package)
        libs = package.with_name(package.name + ".libs")  # numpy's bundled shared libraries (manylinux wheels)
        if libs.is_dir():
            (site / libs.name).symlink_to(libs)
    return site


def _edge_eval(site, *args, check=True):
    result = subprocess.run([sys.executable, "-S", str(EXPORT / "edge_eval.py"), *map(str, args)],
                            capture_output=True, text=True, env={**ENV, "PYTHONPATH": str(site)})
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.integration
def test_edge_eval_with_only_numpy_and_litert_agrees_with_keras(mirror, layout, tmp_path):
    out, written = layout
    site = _only_litert_path(tmp_path)
    files = [written[name]["tflite"]["float32"] for name in written]
    report = json.loads(_edge_eval(site, *files, "--json").stdout)
    assert report["ai_edge_litert"] != "unknown"
    by_preset = {entry["preset"]: entry for entry in report["files"]}
    assert set(by_preset) == {entry["preset"] for entry in written.values()}
    for entry in report["files"]:
        assert entry["spectra"] == REFERENCE_SPECTRA
        assert entry["latency_us"]["median"] > 0 and entry["peak_memory_kib"]["process_peak"] > 0
    classifier = by_preset[SERVED_MODELS["coverage_net"]]["agreement"]
    assert classifier["probabilities"]["top1_agreement"] == 1.0
    assert by_preset[SERVED_MODELS["aae_net"]]["agreement"]["albedo"]["max_abs_diff"] < 1e-4
    assert by_preset[SERVED_MODELS["aae_net_visible"]]["agreement"]["albedo"]["max_abs_diff"] < 1e-4
    composition = by_preset[SERVED_MODELS["composition_net"]]["agreement"]
    assert set(composition) == {"modal", "chemistry"} and composition["modal"]["max_abs_diff"] < 1e-4
    # a threshold the float32 file cannot meet makes the script fail, saying which file
    low = _edge_eval(site, files[0], "--min-top1", "1.01", check=False)
    assert low.returncode == 1 and "coverage_net_float32.tflite" in low.stderr


@pytest.mark.integration
def test_edge_eval_reports_disagreement_and_a_mismatched_reference(mirror, layout, tmp_path):
    out, written = layout
    site = _only_litert_path(tmp_path)
    asc = written["coverage_net"]
    with np.load(asc["reference"]) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["output.probabilities"] = arrays["output.probabilities"][::-1]  # answers of other spectra
    np.savez(tmp_path / "shuffled.npz", **arrays)
    truth = np.load(asc["reference"])["output.probabilities"].argmax(1)
    expected = float(np.mean(truth == truth[::-1]))
    report = json.loads(_edge_eval(site, asc["tflite"]["float32"], "--reference", tmp_path / "shuffled.npz",
                                   "--json").stdout)
    assert report["files"][0]["agreement"]["probabilities"]["top1_agreement"] == pytest.approx(expected)
    wrong = _edge_eval(site, asc["tflite"]["float32"], "--reference", written["aae_net"]["reference"], check=False)
    assert wrong.returncode != 0 and "use the reference file written with this model" in wrong.stderr


# --- the TFLite runner needs neither Keras nor TensorFlow ----------------------------------------------------


def test_tflite_runner_imports_neither_keras_nor_tensorflow():
    path = preset_path(SERVED_MODELS["aae_net"], kind="tflite")
    code = (
        "import sys, numpy as np\n"
        "from astrokeras.export.tflite import TFLiteModel\n"
        "from astrokeras.export import TFLiteModel as Same\n"
        f"lite = TFLiteModel.from_file(r'{path}', num_threads=2)\n"
        "out = lite.signature('serving_default')(spectrum=np.ones((3, 201), 'float32'),\n"
        "                                        class_probabilities=np.full((3, 11), 1 / 11, 'float32'))\n"
        "assert Same is TFLiteModel and out['albedo'].shape == (3, 2) and lite.num_threads == 2\n"
        "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_tflite_runner_errors_say_what_to_do(tmp_path):
    from astrokeras.export.tflite import TFLiteModel

    with pytest.raises(FileNotFoundError, match="astrokeras train presets"):
        TFLiteModel.from_file(tmp_path / "missing.tflite")
    with pytest.raises(ValueError, match="either"):
        TFLiteModel()
    lite = TFLiteModel.from_file(preset_path(SERVED_MODELS["coverage_net"], kind="tflite"))
    with pytest.raises(ValueError, match="serving_default"):
        lite.signature("predict")


def test_float32_clone_stays_the_function_after_its_module_is_imported():
    code = (
        "import astrokeras.export.savedmodel\n"  # imports the submodule float32_clone first
        "from astrokeras.export import float32_clone\n"
        "assert callable(float32_clone) and float32_clone.__module__ == 'astrokeras.export.float32_clone'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert result.returncode == 0, result.stderr


# --- the clients against a stand-in for TF Serving, backed by the written SavedModels --------------------------


def _serve_rest(layout_dir, names):
    """A local HTTP server answering ``/v1/models/<name>:predict`` as TF Serving does for columnar requests (one
    output: ``{"outputs": list}``; several: ``{"outputs": {name: list}}``), from the written SavedModels."""
    import tensorflow as tf

    signatures = {}
    for name in names:
        version = next(p for p in (layout_dir / name).iterdir() if p.name.isdigit())
        signatures[name] = tf.saved_model.load(str(version)).signatures["serving_default"]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (the http.server hook's name)
            match = re.fullmatch(r"/v1/models/(\w+):predict", self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if not match or match.group(1) not in signatures or body.get("signature_name") != "serving_default":
                self._answer(404, {"error": f"Servable not found for request: {self.path}"})
                return
            out = signatures[match.group(1)](**{k: tf.constant(np.asarray(v, "float32"))
                                                for k, v in body["inputs"].items()})
            out = {k: v.numpy().tolist() for k, v in out.items()}
            self._answer(200, {"outputs": next(iter(out.values())) if len(out) == 1 else out})

        def _answer(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, signatures


@pytest.mark.integration
def test_rest_client_paper_chain_matches_the_savedmodels_and_the_package_formulas(mirror, paper_layout, tmp_path):
    out, written = paper_layout
    server, signatures = _serve_rest(out, list(written))
    try:
        with np.load(written["asc_net"]["reference"]) as data:
            X = data["input.spectrum"][:24]
        np.save(tmp_path / "spectra.npy", X)
        result = subprocess.run(
            [sys.executable, str(EXPORT / "rest_client.py"), str(tmp_path / "spectra.npy"), "--pipeline", "--json",
             "--layout", str(out), "--url", f"http://127.0.0.1:{server.server_port}"],
            capture_output=True, text=True, env=ENV)
        assert result.returncode == 0, result.stderr
        answers = json.loads(result.stdout)
        missing = subprocess.run(
            [sys.executable, str(EXPORT / "rest_client.py"), str(tmp_path / "spectra.npy"), "--layout", str(out),
             "--url", f"http://127.0.0.1:{server.server_port}/wrong"], capture_output=True, text=True, env=ENV)
    finally:
        server.shutdown()
    P = signatures["asc_net"](spectrum=X)["probabilities"].numpy()
    raw = signatures["aae_net"](spectrum=X, class_probabilities=P)["albedo"].numpy()
    cards = {n: card_of(written[n]["preset"]) for n in written}
    classes, prior = cards["asc_net"]["classes"], np.asarray(cards["aae_net"]["class_prior_log10"])
    assert len(answers) == len(X)
    composed = 0
    for answer, p, r, x in zip(answers, P, raw, X):
        assert answer["top_class"] == classes[int(p.argmax())]
        mean, sigma = r[0] + p @ prior, np.exp(bounded_log_sigma(r[1]))  # as astrokeras.analysis computes them
        assert answer["albedo"] == pytest.approx(10 ** mean, abs=1e-4)
        assert answer["albedo_1sigma"] == pytest.approx([10 ** (mean - sigma), 10 ** (mean + sigma)], abs=1e-4)
        if answer["top_class"] in cards["ae_trans"]["applies_to"]:
            composed += 1
            A = signatures["ae_trans"](spectrum=x[None])["abundances"].numpy()[0]
            assert list(answer["composition"].values()) == pytest.approx(A.tolist(), abs=1e-4)
        else:
            assert "composition" not in answer
    assert composed > 0, "no S/Q/A/V spectrum among the first 24: the composition step went untested"
    assert missing.returncode != 0 and "HTTP 404" in missing.stderr


def _rest_client():
    sys.path.insert(0, str(EXPORT))
    try:
        import rest_client
    finally:
        sys.path.remove(str(EXPORT))
    return rest_client


def _write_text(path, w, r):
    np.savetxt(path, np.c_[w, r], header="wavelength (um) reflectance")
    return path


@pytest.mark.integration
def test_rest_client_runs_analyzes_chain_as_analyze_does(mirror, layout, tmp_path):
    from astrokeras import analyze, datasets

    out, written = layout
    data = datasets.load_busdemeo()
    designation = data.meta["designation"].to_numpy()
    w = data.wavelength
    spectra = {}
    for name, keep in (("433", w > 0), ("1", w > 0), ("25143", w >= 0.82), ("10", (w >= 0.5) & (w <= 0.9))):
        spectra[name] = (w[keep], data.reflectance[int(np.flatnonzero(designation == name)[0])][keep])
    smass = datasets.load_smass2()
    vesta = smass.meta["spectrum"].to_numpy()[int(np.flatnonzero(smass.meta["designation"].to_numpy() == "4")[0])]
    spectra["4"] = (vesta.wavelength, vesta.reflectance)  # SMASS II's own file: 0.435-0.925 um
    gaia = datasets.load_gaia_dr3()
    row = int(np.flatnonzero((np.asarray(gaia.flags) == 0).all(axis=1))[0])
    spectra["gaia"] = (gaia.wavelength, gaia.reflectance[row])  # Gaia DR3's 16 bands: the Gaia-band network joins
    files = [str(_write_text(tmp_path / f"a{name}.txt", *pair)) for name, pair in spectra.items()]
    expected = [analyze(*pair) for pair in spectra.values()]
    server, _ = _serve_rest(out, list(written))
    try:
        result = subprocess.run(
            [sys.executable, str(EXPORT / "rest_client.py"), *files, "--pipeline", "--json", "--layout", str(out),
             "--url", f"http://127.0.0.1:{server.server_port}"], capture_output=True, text=True, env=ENV)
        npy = subprocess.run([sys.executable, str(EXPORT / "rest_client.py"), str(tmp_path / "x.npy"), "--layout",
                              str(out)], capture_output=True, text=True, env=ENV)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    methods = set()
    for answer, reference in zip(answers, expected):
        assert answer["top_class"] == reference.top_class and answer["scheme"] == reference.scheme
        np.testing.assert_allclose([answer["classes"][c] for c in reference.classes], reference.probabilities,
                                   atol=2e-3)
        assert answer["albedo"] == pytest.approx(reference.albedo, rel=2e-3)
        methods.add(answer["albedo_method"])
        if reference.composition:
            assert answer["composition"] == pytest.approx(reference.composition, abs=2e-3)
        else:
            assert "composition" not in answer
    # VIS-NIR, visible and the class-mean rule were all reached; Eros and Itokawa got a composition
    assert methods == {"aae_net", "aae_net_visible", "class-mean rule"}
    assert sum("composition" in a for a in answers) >= 2
    assert npy.returncode != 0 and "give text files" in npy.stderr


def test_rest_client_encodes_a_spectrum_as_the_package_does(layout):
    from astrokeras.spectra.coverage import encode

    out, _ = layout
    rest_client = _rest_client()
    card = json.loads((out / "edge" / "coverage_net" / "card.json").read_text())
    rng = np.random.default_rng(3)
    for start, stop, gap in ((0.44, 2.48, None), (0.81, 2.49, (1.3, 1.5)), (0.374, 1.034, None)):
        w = np.sort(rng.uniform(start, stop, 300)) if start != 0.374 else np.round(0.374 + 0.044 * np.arange(16), 3)
        if gap:
            w = w[(w < gap[0]) | (w > gap[1])]
        r = np.exp(0.2 * np.sin(3 * w) + rng.normal(0, 0.01, w.size))
        values, mask = rest_client.encode(w, r, card)
        expected_values, expected_mask = encode(w, r, np.asarray(card["grid_um"]))
        np.testing.assert_array_equal(mask > 0, expected_mask)
        np.testing.assert_allclose(values, expected_values, atol=1e-6)


def test_rest_client_reads_a_text_spectrum_onto_the_grid(paper_layout, tmp_path):
    out, _ = paper_layout
    rest_client = _rest_client()
    card = json.loads((out / "edge" / "asc_net" / "card.json").read_text())
    grid = np.asarray(card["grid_um"])
    nm = np.arange(400.0, 2500.0, 5.0)
    reflectance = 2.0 + (nm / 1000.0 - 0.55)  # linear: interpolation is exact, normalised at 0.55 um
    np.savetxt(tmp_path / "s.txt", np.c_[nm, reflectance], header="wavelength (nm) reflectance")
    X = rest_client.read_spectra(tmp_path / "s.txt", card)
    np.testing.assert_allclose(X[0], (2.0 + grid - 0.55) / 2.0, rtol=1e-6)
    np.savetxt(tmp_path / "short.txt", np.c_[nm[:100], reflectance[:100]])
    with pytest.raises(SystemExit, match="do not extrapolate"):
        rest_client.read_spectra(tmp_path / "short.txt", card)
    np.save(tmp_path / "bad.npy", np.ones((2, 7)))
    with pytest.raises(SystemExit, match="7 values"):
        rest_client.read_spectra(tmp_path / "bad.npy", card)


def test_grpc_client_says_what_to_install_without_tensorflow_serving_api():
    probe = subprocess.run([sys.executable, "-c", "import tensorflow_serving"], capture_output=True, env=ENV)
    if probe.returncode == 0:
        pytest.skip("tensorflow-serving-api is installed here: the guard is not reached")
    result = subprocess.run([sys.executable, str(EXPORT / "grpc_client.py"), "x.npy"], capture_output=True,
                            text=True, env=ENV)
    assert result.returncode != 0 and "pip install tensorflow-serving-api" in result.stderr


@pytest.mark.integration
def test_grpc_client_classifies_through_a_prediction_service(mirror, layout, tmp_path):
    pytest.importorskip("tensorflow_serving.apis.prediction_service_pb2_grpc",
                        reason="tensorflow-serving-api is not installed (pip install tensorflow-serving-api)")
    from concurrent import futures

    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    out, written = layout
    version = written["coverage_net"]["savedmodel"]
    serve = tf.saved_model.load(str(version)).signatures["serving_default"]

    class Service(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):  # noqa: N802  (the gRPC method's name)
            assert request.model_spec.name == "coverage_net"
            result = serve(**{k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
            response = predict_pb2.PredictResponse()
            for k, v in result.items():
                response.outputs[k].CopyFrom(tf.make_tensor_proto(v.numpy()))
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Service(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        from astrokeras import analyze, datasets

        data = datasets.load_busdemeo()
        rows = range(0, 40, 5)
        files = [str(_write_text(tmp_path / f"s{i}.txt", data.wavelength, data.reflectance[i])) for i in rows]
        result = subprocess.run(
            [sys.executable, str(EXPORT / "grpc_client.py"), *files, "--json",
             "--layout", str(out), "--url", f"127.0.0.1:{port}"], capture_output=True, text=True, env=ENV)
    finally:
        server.stop(0)
    assert result.returncode == 0, result.stderr
    expected = [analyze(data.wavelength, data.reflectance[i]).top_class for i in rows]
    assert [a["top_class"] for a in json.loads(result.stdout)] == expected


@pytest.mark.integration
def test_the_composition_network_serves_with_its_coverage_mask(mirror, tmp_path):
    from astrokeras.lite import TFLiteModel

    written = write_serving_layout(None, tmp_path, models={"composition_net": "composition-net-mineralogy"},
                                   reference_spectra=8)["composition_net"]
    card = json.loads((tmp_path / "edge" / "composition_net" / "card.json").read_text())
    assert set(card["inputs"]) == {"spectrum", "mask"} and card["inputs"]["mask"]["shape"] == [-1, 201]
    assert set(card["outputs"]) == {"modal", "chemistry"}
    reference = np.load(written["reference"])
    assert reference["input.mask"].shape == (8, 201) and np.all(reference["input.mask"] == 1)
    lite = TFLiteModel.from_file(str(written["tflite"]["float32"]))
    answer = lite.run(spectrum=reference["input.spectrum"], mask=reference["input.mask"])
    np.testing.assert_allclose(answer["modal"], reference["output.modal"], atol=1e-4)


def test_reference_of_a_preset_with_its_own_class_model_feeds_that_model(mirror):
    from astrokeras.export.serving import edge_card, reference_data
    from astrokeras.schemes.class_model import class_probabilities_of

    card = card_of("aae-net-albedo-visible")
    ref = reference_data("aae-net-albedo-visible", count=4)
    expected = class_probabilities_of(card["class_model"], ref["input.spectrum"])
    np.testing.assert_allclose(ref["input.class_probabilities"], expected, atol=1e-6)
    assert ref["input.class_probabilities"].shape == (4, 24) and "Bus class model" in str(ref["meta"])
    edge = edge_card("aae_net_visible", "aae-net-albedo-visible", card, 1, ["spectrum", "class_probabilities"],
                     ["albedo"])
    assert "class_model.weights" in edge["inputs"]["class_probabilities"]["meaning"] and "class_model" in edge


def test_the_cli_writes_the_paper_chain_layout_and_prints_it_as_json(mirror, tmp_path):
    out = tmp_path / "models"
    result = subprocess.run([sys.executable, "-m", "astrokeras.cli", "export", "--serving", str(out), "--chain", "paper",
                             "--json"], capture_output=True, text=True, env=ENV, check=False)
    assert result.returncode == 0, result.stderr
    written = json.loads(result.stdout)
    assert list(written) == ["asc_net", "aae_net", "ae_trans"]
    assert read_models_config((out / "models.config").read_text())[0]["name"] == "asc_net"
