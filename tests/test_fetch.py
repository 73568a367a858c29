"""The data resolution: mirror -> Keras cache -> download, with sha256 checks and clear errors."""

import hashlib
import pathlib

import pytest

from astrokeras.datasets import fetching as fetch_module
from astrokeras.datasets.fetching import DataIntegrityError, DataUnavailableError, fetch
from astrokeras.datasets.registry import DataFile

PAYLOAD = b"wavelength reflectance\n0.55 1.0\n"


@pytest.fixture
def toy_entry(tmp_path, monkeypatch):
    """A registered file served from a file:// URL, with an empty KERAS_HOME and no mirror."""
    server = tmp_path / "server"
    server.mkdir()
    (server / "toy.txt").write_bytes(PAYLOAD)
    item = DataFile("toy", "toy/toy.txt", (server / "toy.txt").as_uri(), hashlib.sha256(PAYLOAD).hexdigest(),
                    len(PAYLOAD))
    monkeypatch.setattr(fetch_module, "entry", lambda path: item)
    monkeypatch.delenv("ASTROKERAS_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return item, server


def test_download_from_a_file_url_into_keras_home_then_cache(toy_entry, tmp_path):
    found = fetch("toy/toy.txt")
    assert found.source == "download"
    assert found.path == tmp_path / "keras_home" / "astrokeras" / "toy" / "toy.txt"
    assert found.path.read_bytes() == PAYLOAD
    assert fetch("toy/toy.txt").source == "cache"


def test_a_corrupt_download_is_an_error_and_is_not_kept(toy_entry, tmp_path):
    item, server = toy_entry
    (server / "toy.txt").write_bytes(PAYLOAD + b"tampered")
    with pytest.raises(DataIntegrityError, match="does not match the registered sha256"):
        fetch("toy/toy.txt")
    assert not (tmp_path / "keras_home" / "astrokeras" / "toy" / "toy.txt").exists()


def test_a_corrupt_cache_file_is_replaced_by_a_fresh_download(toy_entry, tmp_path):
    cached = tmp_path / "keras_home" / "astrokeras" / "toy" / "toy.txt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a file")
    found = fetch("toy/toy.txt")
    assert found.source == "download" and cached.read_bytes() == PAYLOAD


def test_offline_with_nothing_local_names_the_url_and_the_variable(toy_entry):
    item, server = toy_entry
    (server / "toy.txt").unlink()
    with pytest.raises(DataUnavailableError) as error:
        fetch("toy/toy.txt")
    assert item.url in str(error.value) and "ASTROKERAS_DATA_DIR" in str(error.value)
    with pytest.raises(DataUnavailableError, match="downloads are disabled"):
        fetch("toy/toy.txt", download=False)


def test_the_mirror_wins_and_a_corrupt_mirror_file_is_refused(toy_entry, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "toy.txt").write_bytes(PAYLOAD)
    monkeypatch.setenv("ASTROKERAS_DATA_DIR", str(mirror))
    assert fetch("toy/toy.txt").source == "mirror"
    (mirror / "toy" / "toy.txt").write_bytes(PAYLOAD.replace(b"1.0", b"2.0"))
    with pytest.raises(DataIntegrityError, match="mirror .* holds a corrupt or different file"):
        fetch("toy/toy.txt")


def test_unknown_files_are_refused():
    with pytest.raises(KeyError, match="not a registered astrokeras data file"):
        fetch("nowhere/nothing.npz")


def test_a_real_registry_file_downloads_through_get_file(mirror, tmp_path, monkeypatch):
    # The registered taxonomy table, served from a file:// copy of the mirror, lands verified in KERAS_HOME.
    from astrokeras.datasets.registry import entry

    real = entry("pds_taxonomy/taxonomy10.tab")
    served = tmp_path / "taxonomy10.tab"
    served.write_bytes((mirror / real.path).read_bytes())
    monkeypatch.setattr(fetch_module, "entry", lambda path: DataFile(real.dataset, real.path, served.as_uri(),
                                                                       real.sha256, real.size))
    monkeypatch.delenv("ASTROKERAS_DATA_DIR")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    found = fetch(real.path)
    assert found.source == "download" and pathlib.Path(found.path).stat().st_size == real.size
