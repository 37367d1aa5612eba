"""Named endpoints and credentials: from the config file and the environment, never argv."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgcli.errors import InputError
from kgcli.remote.config import config_path, resolve_endpoint


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_config_path():
    assert config_path({"KG_CONFIG": "/x/kg.toml"}) == Path("/x/kg.toml")
    assert config_path({"XDG_CONFIG_HOME": "/cfg"}) == Path("/cfg/kgcli/config.toml")
    assert config_path({}) == Path.home() / ".config" / "kgcli" / "config.toml"


def test_a_url_takes_credentials_from_the_environment():
    env = {"KG_ENDPOINT_USER": "ana", "KG_ENDPOINT_PASSWORD": "pw", "KG_ENDPOINT_AUTH": "digest"}
    endpoint = resolve_endpoint("http://127.0.0.1:8890/sparql", env=env)
    assert (endpoint.user, endpoint.password, endpoint.auth) == ("ana", "pw", "digest")
    assert "pw" not in repr(endpoint)
    plain = resolve_endpoint("http://127.0.0.1:8890/sparql", env={})
    assert (plain.user, plain.auth) == (None, None)


def test_a_named_endpoint_with_everything(tmp_path: Path):
    path = write(
        tmp_path,
        """
[endpoints.lab]
url = "http://127.0.0.1:8890/sparql"
auth = "digest"
user_env = "LAB_USER"
password_env = "LAB_PASSWORD"
server = "virtuoso"
graph_store = "http://127.0.0.1:8890/sparql-graph-crud-auth"
update = "http://127.0.0.1:8890/sparql-auth"
timeout = 90
""",
    )
    endpoint = resolve_endpoint("lab", env={"LAB_USER": "ana", "LAB_PASSWORD": "pw"}, path=path)
    assert endpoint.url == "http://127.0.0.1:8890/sparql"
    assert (endpoint.name, endpoint.auth, endpoint.user, endpoint.password) == (
        "lab",
        "digest",
        "ana",
        "pw",
    )
    assert endpoint.credentials_from == "LAB_USER / LAB_PASSWORD"
    assert (endpoint.server, endpoint.timeout) == ("virtuoso", 90.0)
    assert endpoint.graph_store == "http://127.0.0.1:8890/sparql-graph-crud-auth"


def test_credentials_written_in_the_file(tmp_path: Path):
    path = write(tmp_path, '[endpoints.a]\nurl = "http://h/sparql"\nuser = "u"\npassword = "p"\n')
    endpoint = resolve_endpoint("a", env={}, path=path)
    assert (endpoint.user, endpoint.password, endpoint.auth) == ("u", "p", "basic")
    assert endpoint.credentials_from == str(path)


def test_a_named_endpoint_falls_back_to_the_general_variables(tmp_path: Path):
    path = write(tmp_path, '[endpoints.a]\nurl = "http://h/sparql"\n')
    env = {"KG_ENDPOINT_USER": "u", "KG_ENDPOINT_PASSWORD": "p"}
    endpoint = resolve_endpoint("a", env=env, path=path)
    assert (endpoint.user, endpoint.auth) == ("u", "basic")


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ('[endpoints.a]\nurl = "http://h/s"\npasword_env = "P"\n', {}, "unknown key 'pasword_env'"),
        ('[endpoints.a]\nurl = "http://h/s"\nuser_env = "U"\n', {}, "names U, which is not set"),
        ('[endpoints.a]\nurl = "http://h/s"\nuser = "u"\n', {}, "has a user only"),
        ('[endpoints.a]\nurl = "ftp://h/s"\n', {}, "is not an http(s) URL"),
        ('[endpoints.a]\nuser = "u"\n', {}, "no url"),
        ('[endpoints.a]\nurl = "http://h/s"\nauth = "ntlm"\n', {}, "auth must be one of"),
        ('[endpoints.a]\nurl = "http://h/s"\ntimeout = -1\n', {}, "timeout must be a number"),
        ('[endpoints.a]\nurl = "http://h/s"\nserver = "neptune"\n', {}, "server must be one of"),
        ("[endpoints.a\n", {}, "config.toml: "),
        ("endpoints = 3\n", {}, "'endpoints' must be a table"),
    ],
)
def test_config_mistakes_are_located(tmp_path: Path, text: str, env: dict, message: str):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        resolve_endpoint("a", env=env, path=path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_half_the_credentials_in_the_environment():
    with pytest.raises(InputError, match="KG_ENDPOINT_PASSWORD is not set"):
        resolve_endpoint("http://h/sparql", env={"KG_ENDPOINT_USER": "u"})


def test_a_missing_config_file_is_an_empty_config(tmp_path: Path):
    with pytest.raises(InputError, match=r"named there: none"):
        resolve_endpoint("lab", env={}, path=tmp_path / "absent.toml")
