"""`moltnet update` (docs/protocol/cli.md §8.7): the report, and a refusal instead of any download."""

from __future__ import annotations

from moltnet import __version__
from moltnet.cli import update


def test_update_refuses_to_mutate_a_source_install(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("MOLTNET_CONTAINER", raising=False)
    monkeypatch.delenv("container", raising=False)
    monkeypatch.setattr(update, "DOCKERENV", tmp_path / "no-dockerenv")  # this test machine is a container
    result = cli(tmp_path, "update", "--version", "v9.9.9")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "Moltnet update" and lines[1] == ""
    assert f"installed version: {__version__}" in lines
    assert lines[2].startswith("installed binary:  /") and lines[2].endswith("/moltnet")
    assert "target version:    v9.9.9" in lines and "install method:    source" in lines
    assert not any(line.startswith("latest version:") for line in lines)
    assert lines[-1] == "Self-update is not available for this install."
    assert result.error.startswith("self-update is not available for source or development builds")


def test_check_with_a_version_reports_without_failing(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("MOLTNET_CONTAINER", "1")
    result = cli(tmp_path, "update", "--check", "--version", "v9.9.9")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "Moltnet update check"
    assert "install method:    container" in result.out
    assert result.out.rstrip().endswith("Update available, but self-update is not available for this install.")
    mutate = cli(tmp_path, "update", "--yes", "--version", "v9.9.9")
    assert mutate.error == ("self-update is not available inside container installs; "
                            "pull a newer Moltnet image and restart the container")


def test_latest_release_is_never_fetched(cli, tmp_path):
    result = cli(tmp_path, "update", "--dry-run")
    assert result.code == 1
    assert result.out.splitlines()[0] == "Moltnet update dry run"
    assert "latest version:    -" in result.out
    assert "does not contact release hosts" in result.error and "--version" in result.error


def test_already_at_the_requested_version(cli, tmp_path):
    result = cli(tmp_path, "update", "--version", "v" + __version__)
    assert result.code == 0
    assert result.out.rstrip().endswith("Moltnet is already at the requested version.")


def test_server_probe_reports_its_version(cli, tmp_path, bearer_server, monkeypatch):
    monkeypatch.setenv("WORKS_TOKEN", "watcher-secret")
    result = cli(tmp_path, "update", "--check", "--version", "v9", "--server", bearer_server.base_url,
                 "--server-token-env", "WORKS_TOKEN")
    assert f"server:            {bearer_server.base_url} reports {__version__}" in result.out
    anonymous = cli(tmp_path, "update", "--check", "--version", "v9", "--server", bearer_server.base_url)
    assert f"server:            {bearer_server.base_url} warning: moltnet GET" in anonymous.out
    assert cli(tmp_path, "update", "now").error == "update does not accept positional arguments"


def _clear_container_env(monkeypatch):
    monkeypatch.delenv("MOLTNET_CONTAINER", raising=False)
    monkeypatch.delenv("container", raising=False)


def test_an_editable_checkout_inside_a_container_is_a_source_install(cli, tmp_path, monkeypatch):
    _clear_container_env(monkeypatch)
    dockerenv = tmp_path / ".dockerenv"
    dockerenv.touch()
    monkeypatch.setattr(update, "DOCKERENV", dockerenv)  # a development container
    result = cli(tmp_path, "update", "--check", "--version", "v9.9.9")
    assert "install method:    source" in result.out  # this test runs from the editable checkout


def test_a_package_in_site_packages_is_a_pip_install(cli, tmp_path, monkeypatch):
    _clear_container_env(monkeypatch)
    monkeypatch.setattr(update, "DOCKERENV", tmp_path / "no-dockerenv")
    monkeypatch.setattr(update, "_editable", lambda: False)
    monkeypatch.setattr(update, "_runs_from_checkout", lambda: False)
    monkeypatch.setattr(update, "__version__", "0.1.0")
    monkeypatch.setattr(update, "_installed_package", lambda: True)
    result = cli(tmp_path, "update", "--version", "v9.9.9")
    assert "install method:    pip" in result.out
    assert result.error == ("self-update is not available for Python package installs; "
                            "upgrade the package with pip install --upgrade moltnet")


def test_a_packaged_copy_in_a_container_is_a_container_install(cli, tmp_path, monkeypatch):
    _clear_container_env(monkeypatch)
    monkeypatch.setenv("container", "podman")
    monkeypatch.setattr(update, "_editable", lambda: False)
    monkeypatch.setattr(update, "_runs_from_checkout", lambda: False)
    monkeypatch.setattr(update, "__version__", "0.1.0")
    assert "install method:    container" in cli(tmp_path, "update", "--check", "--version", "v9").out


def test_an_install_that_cannot_be_told_says_unknown(cli, tmp_path, monkeypatch):
    _clear_container_env(monkeypatch)
    monkeypatch.setattr(update, "DOCKERENV", tmp_path / "no-dockerenv")
    for name in ("_editable", "_runs_from_checkout", "_installed_package"):
        monkeypatch.setattr(update, name, lambda: False)
    monkeypatch.setattr(update, "__version__", "0.1.0")
    result = cli(tmp_path, "update", "--version", "v9.9.9")
    assert "install method:    unknown" in result.out
    assert result.error.startswith("self-update is not available: this install's method is unknown")
