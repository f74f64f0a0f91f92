"""The local engine's checks and descriptions, before any server starts: GGUF headers, memory,
the llama-server binary, `workbench models` engine info, `deployments` in models.toml, and the
one-line errors of `workbench ask` / `workbench serve` for files llama.cpp cannot run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.config import ConfigError, load_config
from workbench.models import llama_server
from workbench.models.gguf_info import GGUFError, read_gguf_info
from workbench.models.local import builtin_gguf_path, engine_info, engine_summary


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def huge_gguf(tmp_path: Path) -> Path:
    """The built-in model's real header in a sparse file of 2 TiB: bigger than any memory here."""
    header = read_header_bytes(builtin_gguf_path())
    path = tmp_path / "huge.gguf"
    with open(path, "wb") as f:
        f.write(header)
        f.truncate(2 << 40)
    return path


def read_header_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(8 << 20)  # metadata of a 135M model is well inside 8 MB


def test_the_builtin_header():
    info = read_gguf_info(builtin_gguf_path())
    assert (info.architecture, info.quantisation, info.context_length) == ("llama", "Q4_1", 8192)
    assert info.tensor_count == 272 and info.kv_bytes_per_token() > 0


@pytest.mark.parametrize("content, expected", [
    (b"", "is not a GGUF file"),
    (b"GGML0000", "is not a GGUF file"),
    (b"GGUF\x01\x00\x00\x00", "GGUF version 1"),
    (b"GGUF\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff", "corrupt"),
    (b"GGUF\x03\x00\x00\x00" + bytes(8) + b"\x01" + bytes(7) + b"\x05", "corrupt or truncated"),
])
def test_a_broken_header_names_the_file(tmp_path, content, expected):
    path = tmp_path / "m.gguf"
    path.write_bytes(content)
    with pytest.raises(GGUFError) as err:
        read_gguf_info(path)
    assert str(path) in str(err.value) and expected in str(err.value) and "\n" not in str(err.value)


def test_too_large_for_memory_is_refused_before_starting(tmp_path):
    info = read_gguf_info(builtin_gguf_path())
    settings = llama_server.EngineSettings.for_model(info)
    needed = llama_server.memory_needed(info, settings)
    assert needed > info.size_bytes
    llama_server.check_fits("local/x", info, settings, needed)  # exactly enough: fine
    with pytest.raises(llama_server.EngineError, match="needs about .* GiB of memory but only .* free"):
        llama_server.check_fits("local/x", info, settings, needed - 1)
    with pytest.raises(llama_server.EngineError) as err:
        llama_server.start_server("local/huge", huge_gguf(tmp_path))
    assert "huge.gguf" in str(err.value) and "smaller quantisation" in str(err.value)


def test_short_memory_gives_fewer_slots_before_refusing():
    if llama_server.has_nvidia_gpu():
        pytest.skip("on a GPU the cache goes to its memory, not checked against RAM")
    info = read_gguf_info(builtin_gguf_path())
    two_slots = llama_server.EngineSettings.for_model(info, parallel=2)
    assert two_slots.kv_cells == 2 * two_slots.context
    fitted = llama_server.settings_that_fit("local/x", info, llama_server.memory_needed(info, two_slots))
    assert fitted.parallel == 2
    one_slot = llama_server.EngineSettings.for_model(info, parallel=1)
    with pytest.raises(llama_server.EngineError, match="needs about"):
        llama_server.settings_that_fit("local/x", info, llama_server.memory_needed(info, one_slot) - 1)


def test_a_missing_binary_says_make_install(monkeypatch, tmp_path):
    monkeypatch.setenv(llama_server.BINARY_ENV, str(tmp_path / "nowhere" / "llama-server"))
    assert llama_server.find_binary() == tmp_path / "nowhere" / "llama-server"
    with pytest.raises(llama_server.EngineError, match="llama-server is not installed: run `make install`"):
        llama_server.start_server("local/smol", builtin_gguf_path())


def test_engine_info_of_local_models(tmp_path):
    info = engine_info("local/smollm2-135m-instruct")
    assert info["engine"] == "llama.cpp" and info["quantisation"] == "Q4_1"
    assert info["threads"] == llama_server.default_threads() and info["context"] == llama_server.MAX_CONTEXT
    assert info["parallel"] == llama_server.PARALLEL_SLOTS
    assert engine_summary(info).startswith("llama.cpp Q4_1 · ")
    folder = tmp_path / "student"
    folder.mkdir()
    assert engine_info("local/student", str(folder))["engine"] == "transformers"
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"nope")
    bad = engine_info("local/broken", str(broken))
    assert bad["engine"] == "llama.cpp" and "is not a GGUF file" in bad["error"]


def test_models_json_names_the_engine(tmp_path, capsys):
    cfg = tmp_path / "models.toml"
    cfg.write_text(f'[models."local/huge"]\npath = "{huge_gguf(tmp_path)}"\n', encoding="utf-8")
    code, out, _ = run_cli(capsys, "models", "--json", "--config", str(cfg))
    assert code == 0
    models = {m["name"]: m for m in json.loads(out)}
    builtin = models["local/smollm2-135m-instruct"]["engine"]
    assert builtin["engine"] == "llama.cpp" and builtin["quantisation"] == "Q4_1"
    assert {"threads", "context", "parallel", "gpu_layers", "binary"} <= set(builtin)
    assert models["local/huge"]["engine"]["size_bytes"] == 2 << 40
    code, out, _ = run_cli(capsys, "models", "--config", str(cfg))
    assert "llama.cpp Q4_1" in out


def test_too_large_model_is_one_line_in_ask(tmp_path, db_file, capsys):
    cfg = tmp_path / "models.toml"
    path = huge_gguf(tmp_path)
    cfg.write_text(f'[models."local/huge"]\npath = "{path}"\nmax_retries = 0\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "ask", "--db", str(db_file), "--config", str(cfg), "-m", "local/huge",
                             "--json", "hi")
    row = json.loads(out)
    assert code == 1 and str(path) in row["error"] and "smaller quantisation" in row["error"]
    assert "Traceback" not in err


def test_serve_refuses_what_it_cannot_serve(tmp_path, capsys):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF\x03\x00\x00\x00")
    code, _, err = run_cli(capsys, "serve", str(broken))
    assert code == 2 and str(broken) in err and "corrupt or truncated" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "serve", "local/nothing-like-this")
    assert code == 2 and "workbench models" in err and len(err.strip().splitlines()) == 1


# -- deployments: one model over several servers -------------------------------------------------
def _toml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_deployments_parse_and_their_limits_add_up(tmp_path):
    cfg = load_config(_toml(tmp_path, (
        '[models.farm]\nmodel = "openai/qwen"\ndeployments = [\n'
        '  { api_base = "http://a:8080/v1", max_concurrency = 3 },\n'
        '  { api_base = "http://b:8080/v1", max_concurrency = 5, rpm = 600, weight = 2 },\n]\n')))
    spec = cfg.models["farm"]
    assert [d["api_base"] for d in spec.deployments] == ["http://a:8080/v1", "http://b:8080/v1"]
    assert spec.max_concurrency == 8
    assert spec.public_dict()["deployments"][1] == {"api_base": "http://b:8080/v1", "max_concurrency": 5,
                                                    "rpm": 600, "weight": 2}


@pytest.mark.parametrize("deployments, needle", [
    ('"http://a"', "must be a list of tables"),
    ('[]', "must be a list of tables"),
    ('[{ model = "openai/x" }]', "deployment 1: needs api_base"),
    ('[{ api_base = "http://a", max_concurrency = 0 }]', "deployment 1: max_concurrency must be a number above 0"),
    ('[{ api_base = "http://a" }, { api_base = "http://b", api_key = "sk-1" }]', "deployment 2: unknown key(s) api_key"),
])
def test_bad_deployments_are_named(tmp_path, deployments, needle):
    with pytest.raises(ConfigError) as err:
        load_config(_toml(tmp_path, f'[models.farm]\nmodel = "openai/x"\ndeployments = {deployments}\n'))
    assert needle in str(err.value) and "[models.farm]" in str(err.value)


def test_the_gateway_builds_one_router_per_spread_model(tmp_path):
    from workbench.models.gateway import Gateway, build_router

    cfg = load_config(_toml(tmp_path, (
        '[models.farm]\nmodel = "openai/qwen"\ndeployments = [\n'
        '  { api_base = "http://127.0.0.1:9/v1", max_concurrency = 2 },\n'
        '  { api_base = "http://127.0.0.1:10/v1", model = "openai/qwen-b" },\n]\n')))
    router = build_router(cfg.models["farm"])
    listed = [router.registry().deployment_dict(f"farm#{i}") for i in (1, 2)]
    assert [d["litellm_params"]["api_base"] for d in listed] == ["http://127.0.0.1:9/v1", "http://127.0.0.1:10/v1"]
    assert listed[0]["litellm_params"]["max_parallel_requests"] == 2
    assert listed[1]["litellm_params"]["model"] == "openai/qwen-b"
    gateway = Gateway(cfg)
    assert gateway._router(cfg.models["farm"]) is gateway._router(cfg.models["farm"])
