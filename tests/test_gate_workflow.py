"""The shipped GitHub Actions workflow (docs/workflows/vfr-bench-gate.yml) works as written.

Its YAML parses and triggers on pull requests, which its comment steps need; every `vfr-bench`
command line in its `run:` blocks (and in the doc's shell blocks) goes through the command's own
click parser, with shell variables replaced by test values; the run lines name known models, rates,
tasks and adapter options; and the steps of the job on the built-in data run for real: two
training-free model runs, the gate (pass, regression and cannot-compare) and the verdict step's exit code.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import click
import pytest
import yaml

from vfr_bench.cli import main

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "docs" / "workflows" / "vfr-bench-gate.yml"
DOC = REPO / "docs" / "gate-github-actions.md"
VENV = Path(sys.executable).parent.parent  # `.venv/bin/vfr-bench` in the workflow is this venv's
# Test values for what GitHub fills in (the variables whose value is a `${{ }}` expression) and
# for the doc's shell variables; LIMIT overrides the workflow's to keep the real runs short.
TEST_ENV = {
    "VFR_BENCH_GIT": "https://github.com/example/vfr-bench",
    "VFR_BENCH_REF": "0123456789abcdef0123456789abcdef01234567",
    "TOKEN": "test-token",
    "FLEXISLM_REPO": "/opt/FlexiSLM",
    "CHECKPOINT": "checkpoint",
    "TORCH": "torch",
    "LIMIT": "2",
    "i": "1",
}
STEP_OUTPUT = re.compile(r"^\$\{\{\s*steps\.(\w+)\.outputs\.(\w+)\s*\}\}$")
SHELL_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
GATES_YAML = "confidence: 0.95\nrules:\n- metric: wer\n  max_regression: 0.01\n"


@cache
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def triggers(wf: dict) -> dict:
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as true
    return {on: None} if isinstance(on, str) else dict(on)


def job_env(job: str, step: dict, outputs: dict[str, str] | None = None, **override: str) -> dict[str, str]:
    """The environment a step's script sees: workflow, job and step `env:`; an expression's value
    comes from a step's outputs or TEST_ENV, and one without a test value fails the test."""
    merged = {**workflow().get("env", {}), **workflow()["jobs"][job].get("env", {}), **step.get("env", {})}
    env = {}
    for key, value in merged.items():
        text = str(value)
        found = STEP_OUTPUT.match(text)
        if found:
            env[key] = (outputs or {}).get(found.group(2), "")
        elif key in TEST_ENV:
            env[key] = TEST_ENV[key]
        else:
            assert "${{" not in text, f"{job}: give {key} ({text}) a value in TEST_ENV"
            env[key] = text
    return {**env, **override}


def commands(script: str, env: dict[str, str]) -> list[list[str]]:
    """The arguments of every `vfr-bench` command in a shell script, line continuations joined and
    variables replaced; the command ends at the first shell operator (`||`, `2>`, `;`, ...)."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        if "vfr-bench " not in line or line.lstrip().startswith(("#", "echo", "printf", "pip", ".venv/bin/python")):
            continue
        assert "$(" not in line and "${{" not in line, line
        missing = sorted({m for m in SHELL_VAR.findall(line) if m not in env})
        assert not missing, f"no test value for {missing} in: {line}"
        lexer = shlex.shlex(SHELL_VAR.sub(lambda m: env[m.group(1)], line), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        start = next(i for i, t in enumerate(tokens) if Path(t).name == "vfr-bench") + 1
        end = next((i for i, t in enumerate(tokens) if i >= start and set(t) <= set("();<>|&")), len(tokens))
        if end < len(tokens) and tokens[end][0] in "<>" and tokens[end - 1].isdigit():
            end -= 1  # `2> FILE`: the digit is the redirection's, not an argument
        found.append(tokens[start:end])
    return found


def workflow_commands(env_for=job_env) -> list[tuple[str, str, list[str]]]:
    """(job, step name, arguments) of every `vfr-bench` line in the workflow's run blocks."""
    return [
        (job, step.get("name", ""), args)
        for job, spec in workflow()["jobs"].items()
        for step in spec["steps"]
        if "run" in step
        for args in commands(step["run"], env_for(job, step))
    ]


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def doc_commands() -> list[tuple[str, str, list[str]]]:
    return [("doc", "sh block", args) for block in doc_blocks("sh") for args in commands(block, TEST_ENV)]


def parse(args: list[str]) -> click.Context:
    """Parse a command line down to its (sub)command, as `vfr-bench` would, without running it."""
    command, name, ctx = main, "vfr-bench", None
    while True:
        ctx = command.make_context(name, list(args), parent=ctx, resilient_parsing=False)
        if not isinstance(command, click.Group):
            return ctx
        rest = [*ctx.__dict__.get("_protected_args", ctx.__dict__.get("protected_args", [])), *ctx.args]
        if not rest:
            return ctx
        name, command, args = command.resolve_command(ctx, rest)


def workspace(folder: Path, args: list[str]) -> None:
    """What exists when the line runs: the run directories of earlier steps, the committed gates.yaml."""
    for arg in args:
        if arg.startswith("results/"):
            (folder / arg).mkdir(parents=True, exist_ok=True)
    (folder / "gates.yaml").write_text(GATES_YAML, encoding="utf-8")


def run_settings(ctx: click.Context):
    """`vfr-bench run`'s settings made from the parsed line by the command's own merge, then resolved as the
    run resolves them (on the CPU: resolving `cuda` needs a GPU, which tests lack)."""
    from vfr_bench.cli.run_cmd import command_line_settings
    from vfr_bench.run.settings import resolve

    options = dict(ctx.params)
    settings = command_line_settings(ctx, options.pop("config_file"), options)
    return resolve(settings.model_copy(update={"device": "cpu"}), ["vfr-bench", "run"])


ALL_COMMANDS = workflow_commands() + doc_commands()


def test_triggers_permissions_and_comment_conditions():
    wf = workflow()
    on = triggers(wf)
    assert "pull_request" in on and set(on) <= {"pull_request", "workflow_dispatch"}, on
    assert wf["permissions"] == {"contents": "read", "pull-requests": "write"}
    comment_steps = [
        step for spec in wf["jobs"].values() for step in spec["steps"] if "github-script" in step.get("uses", "")
    ]
    assert len(comment_steps) == len(wf["jobs"])
    for step in comment_steps:
        assert "always()" in step["if"] and "github.event_name == 'pull_request'" in step["if"], step["if"]
        assert step.get("continue-on-error") is True  # a fork's read-only token must not decide the verdict
        assert "readFileSync('gate.md'" in step["with"]["script"]


@pytest.mark.parametrize("job", sorted(workflow()["jobs"]))
def test_each_job_gates_uploads_and_fails_on_the_gate_exit_code(job, tmp_path, monkeypatch):
    steps = workflow()["jobs"][job]["steps"]
    gate = next(s for s in steps if s.get("id") == "gate")
    (args,) = commands(gate["run"], job_env(job, gate))
    monkeypatch.chdir(tmp_path)
    workspace(tmp_path, args)
    ctx = parse(args)
    assert ctx.command.name == "gate" and ctx.params["markdown_path"] == "gate.md"
    runs = [a for s in steps if "run" in s for a in commands(s["run"], job_env(job, s)) if a[0] == "run"]
    outs = [a[a.index("--out") + 1] for a in runs]
    assert sorted(outs) == sorted([ctx.params["baseline"], ctx.params["candidate"]])
    upload = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "always()"
    kept = upload["with"]["path"].split()
    assert "results/" in kept and {"gate.md", "gate.json", "gate.err"} <= set(kept)
    verdict = steps[-1]
    assert verdict["if"] == "always() && steps.gate.outputs.code != ''" and verdict["run"] == 'exit "$CODE"'
    assert verdict["env"]["CODE"] == "${{ steps.gate.outputs.code }}"


def test_vfr_bench_is_installed_from_its_git_repository_with_extras_that_exist():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    installs = [
        line.strip()
        for spec in workflow()["jobs"].values()
        for step in spec["steps"]
        for line in step.get("run", "").splitlines()
        if "pip install" in line and "vfr-bench" in line
    ]
    assert len(installs) == len(workflow()["jobs"])
    for line in installs:
        found = re.search(r'"vfr-bench\[([\w,]+)\] @ git\+\$VFR_BENCH_GIT@\$VFR_BENCH_REF"$', line)
        assert found, line
        assert set(found.group(1).split(",")) <= extras
    env = workflow()["env"]
    assert "github.server_url" in env["VFR_BENCH_GIT"] and "github.repository" in env["VFR_BENCH_GIT"]
    assert "vars.VFR_BENCH_REF" in env["VFR_BENCH_REF"] and "github.sha" in env["VFR_BENCH_REF"]


def test_no_run_block_holds_an_expression():
    """`${{ }}` in a script is pasted into the shell unquoted (an injection path); values go through env."""
    for spec in workflow()["jobs"].values():
        for step in spec["steps"]:
            assert "${{" not in step.get("run", ""), step.get("name")


@pytest.mark.parametrize("source, step, args", ALL_COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_every_command_line_parses(source, step, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    workspace(tmp_path, args)
    ctx = parse(args)
    if ctx.command.name == "run":
        config = run_settings(ctx)
        from vfr_bench.models import ModelRegistry

        for model in config.models:  # unknown or mistyped adapter options are refused here
            ModelRegistry().create(model, "cpu", config.model_options[model])


def test_the_parser_check_refuses_what_the_cli_refuses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(click.NoSuchOption):
        parse(["run", "--modle", "training-free-dynamic"])
    with pytest.raises(click.BadParameter):
        parse(["run", "--limit", "0"])
    with pytest.raises(click.BadParameter):  # the run dirs do not exist
        parse(["gate", "--baseline", "results/baseline", "--candidate", "results/candidate"])
    with pytest.raises(ValueError, match="has no option"):
        config = run_settings(parse(["run", "--model", "flexislm", "--model-arg", "flexislm:repository=/x"]))
        from vfr_bench.models import ModelRegistry

        ModelRegistry().create("flexislm", "cpu", config.model_options["flexislm"])
    assert commands(
        'x=1\n.venv/bin/vfr-bench gate --json "$LIMIT" \\\n  --markdown m.md 2> e || test $? -eq 3', TEST_ENV
    ) == [["gate", "--json", "2", "--markdown", "m.md"]]


def test_the_flexislm_lines_name_the_clone_and_each_checkpoint(tmp_path, monkeypatch):
    from vfr_bench.baselines.checkout import checkout_folder
    from vfr_bench.baselines.flexislm import INSTALL, MARKERS, config_arguments
    from vfr_bench.models import ModelRegistry

    clone = tmp_path / "FlexiSLM"
    (clone / "src").mkdir(parents=True)
    (clone / "src" / "inference_flexislm.py").write_text("")
    monkeypatch.delenv("FLEXISLM_REPO", raising=False)  # the clone must come from the command line
    monkeypatch.chdir(tmp_path)
    env_for = lambda job, step: job_env(job, step, FLEXISLM_REPO=str(clone))  # noqa: E731
    runs = [parse(args) for _, _, args in workflow_commands(env_for) if args[0] == "run"]
    flexislm = [ctx for ctx in runs if "flexislm" in ctx.params["models"]]
    assert len(flexislm) == 2, "the checkpoint job evaluates a baseline and a candidate"
    checkpoints = []
    for ctx in flexislm:
        options = run_settings(ctx).model_options["flexislm"]
        adapter = ModelRegistry().create("flexislm", "cpu", options)
        assert checkout_folder(adapter.config["repo"], "FLEXISLM_REPO", MARKERS, INSTALL) == clone
        (tmp_path / adapter.config["checkpoint"]).mkdir(parents=True)
        folder = config_arguments({"model_path", "enable_flexible_framerate"}, adapter.config["checkpoint"], {})[
            "model_path"
        ]
        checkpoints.append(Path(folder).resolve())
    baseline, candidate = checkpoints
    assert baseline == (tmp_path / ".gate-baseline" / "checkpoint").resolve()
    assert candidate == (tmp_path / "checkpoint").resolve()
    steps = workflow()["jobs"]["checkpoint"]["steps"]
    checkouts = [s.get("with", {}) for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert [c.get("path") for c in checkouts] == [None, ".gate-baseline"]  # the candidate, then the baseline
    assert "ref" not in checkouts[0] and "github.event.pull_request.base.sha" in checkouts[1]["ref"]


@pytest.mark.parametrize("job", sorted(workflow()["jobs"]))
def test_baseline_and_candidate_differ_only_in_what_they_evaluate(job, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    steps = workflow()["jobs"][job]["steps"]
    runs = [parse(a).params for s in steps if "run" in s for a in commands(s["run"], job_env(job, s)) if a[0] == "run"]
    assert len(runs) == 2
    same = [{k: v for k, v in p.items() if k not in ("out", "model_args")} for p in runs]
    assert same[0] == same[1]
    args = [[a for a in p["model_args"] if "checkpoint=" not in a] for p in runs]
    assert args[0] == args[1]


def test_the_doc_points_to_the_workflow_and_its_yaml_blocks_load(tmp_path):
    from vfr_bench.gate.config import load_config

    text = DOC.read_text(encoding="utf-8")
    assert "(workflows/vfr-bench-gate.yml)" in text
    blocks = doc_blocks("yaml")
    assert blocks, "the doc shows a gates.yaml"
    for block in blocks:
        loaded = yaml.safe_load(block)
        assert "jobs" not in loaded, "the workflow lives in docs/workflows/ only, not copied into the doc"
        (tmp_path / "gates.yaml").write_text(block, encoding="utf-8")
        assert load_config(tmp_path / "gates.yaml").rules
    assert [args[:2] for _, _, args in doc_commands()] == [["run", "--model"], ["gate", "calibrate"]]
    settings = set(re.findall(r"\b(?:vars|secrets)\.([A-Z_]+)", WORKFLOW.read_text(encoding="utf-8")))
    assert settings and all(f"`{name}`" in text for name in settings), settings


# ---- the steps, run for real ---------------------------------------------------------------------


def run_step(job: str, name: str, folder: Path, outputs: dict[str, str]) -> subprocess.CompletedProcess:
    """A step's script run as GitHub runs it (`bash -e FILE` in the workspace, with its env), its
    outputs collected; `.venv/bin/vfr-bench` in the workspace is this venv's vfr-bench."""
    (step,) = [s for s in workflow()["jobs"][job]["steps"] if s.get("name") == name]
    if not (folder / ".venv").exists():
        (folder / ".venv").symlink_to(VENV)
    script, output = folder / ".step.sh", folder / ".github_output"
    script.write_text(step["run"], encoding="utf-8")
    output.write_text("")
    env = {
        **os.environ, **job_env(job, step, outputs),
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(folder / ".summary.md"),
    }  # fmt: skip
    done = subprocess.run(["bash", "-e", str(script)], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    outputs.update(line.split("=", 1) for line in output.read_text().splitlines())
    return done


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    """The harness job's steps after the install (the training-free models on the built-in data)."""
    folder = tmp_path_factory.mktemp("harness")
    outputs: dict[str, str] = {}
    names = [s["name"] for s in workflow()["jobs"]["harness"]["steps"] if "run" in s and "pip install" not in s["run"]]
    assert names[-1].startswith("Verdict")
    for name in names:
        done = run_step("harness", name, folder, outputs)
        assert done.returncode == 0, f"{name}: exit {done.returncode}\n{done.stderr[-3000:]}"
    assert outputs == {"code": "0"}
    return folder


def test_the_harness_job_passes_on_the_built_in_data(harness):
    import json

    for run in ("baseline", "candidate"):
        assert (harness / "results" / run / "summary.csv").is_file()
    markdown = (harness / "gate.md").read_text(encoding="utf-8")
    assert re.search(r"^## vfr-bench gate: PASS\b", markdown, flags=re.M) and "wer" in markdown
    assert markdown in (harness / ".summary.md").read_text(encoding="utf-8")
    assert json.loads((harness / "gate.json").read_text())["verdict"] == "pass"


@pytest.mark.parametrize(
    "job, gates, candidate, code, heading",
    [
        ("checkpoint", GATES_YAML, "candidate", "0", "## vfr-bench gate: PASS"),
        ("checkpoint", "rate_fidelity: {max_abs_error: 0.0}\n", "candidate", "1", "## vfr-bench gate: FAIL"),
        ("harness", None, None, "2", "## vfr-bench gate: no verdict (exit 2)"),
    ],
    ids=["pass", "regression", "cannot-compare"],
)
def test_the_gate_step_records_the_exit_code_and_the_verdict_fails_on_it(
    harness, tmp_path, job, gates, candidate, code, heading
):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "baseline").symlink_to(harness / "results" / "baseline")
    if candidate:
        (tmp_path / "results" / "candidate").symlink_to(harness / "results" / candidate)
    else:  # an empty folder is not a run directory: the runs cannot be compared
        (tmp_path / "results" / "candidate").mkdir()
    if gates:
        (tmp_path / "gates.yaml").write_text(gates, encoding="utf-8")
    outputs: dict[str, str] = {}
    gate = run_step(job, "Gate", tmp_path, outputs)
    assert gate.returncode == 0, gate.stderr  # the step records the code; the verdict step fails the job
    assert outputs == {"code": code}
    markdown = (tmp_path / "gate.md").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(heading)}", markdown, flags=re.M), markdown
    if code == "2":  # the gate's own reason, from its error output
        assert "cannot compare:" in markdown and "candidate" in markdown, markdown
    verdict = workflow()["jobs"][job]["steps"][-1]["name"]
    assert run_step(job, verdict, tmp_path, outputs).returncode == int(code)


def test_this_repository_runs_the_shipped_workflow_unchanged():
    shipped = REPO / "docs" / "workflows" / "vfr-bench-gate.yml"
    assert (REPO / ".github" / "workflows" / "vfr-bench-gate.yml").read_bytes() == shipped.read_bytes()
