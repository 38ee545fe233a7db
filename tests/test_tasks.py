"""The suite as lm-eval sees it: task index, groups, data loading from any directory, scoring."""

import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest
from conftest import REPO

from maskft_bench import metrics, tasks_registry

TEST_TASKS = ["maskft_bio_forward", "maskft_bio_reverse", "maskft_gsm",
              "maskft_namedesc_forward", "maskft_namedesc_reverse", "maskft_retention"]


@pytest.fixture(scope="module")
def task_manager():
    from lm_eval.tasks import TaskManager

    return TaskManager(include_path=str(tasks_registry.tasks_dir()), include_defaults=False)


def test_tasks_dir_is_the_shipped_suite():
    assert tasks_registry.tasks_dir().resolve() == (REPO / "tasks").resolve()


def test_entry_point_names_the_suite_package():
    (point,) = [e for e in entry_points(group="lm_eval.tasks") if e.name == "maskft"]
    assert point.value == "maskft_tasks"


def test_glob_matches_the_test_tasks_only(task_manager):
    """'maskft_*' runs the test split and the retention probe, never the validation twins."""
    # A group matching 'maskft_*' would make lm-eval fail with "Duplicate task".
    assert task_manager.match_tasks(["maskft_*"]) == TEST_TASKS
    assert {"maskft", "maskftval"} <= set(task_manager.all_tasks)


def test_groups_load_from_any_working_directory(tmp_path):
    """Data paths resolve from the suite, not the cwd: load in a subprocess elsewhere."""
    script = (
        "import json, sys\n"
        "from lm_eval.tasks import TaskManager\n"
        "tm = TaskManager(include_path=sys.argv[1], include_defaults=False)\n"
        "loaded = tm.load(['maskft', 'maskftval', 'maskft_retention'])\n"
        "print(json.dumps({n: len(list(t.test_docs())) for n, t in loaded['tasks'].items()}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(tasks_registry.tasks_dir())],
                            cwd=tmp_path, capture_output=True, text=True, check=True)
    sizes = json.loads(result.stdout.strip().splitlines()[-1])
    manifest = json.loads((REPO / "tasks" / "manifest.json").read_text())
    assert sizes == {name: t["items"] for name, t in manifest["tasks"].items()}


def test_task_scoring_is_the_metrics_module(task_manager):
    loaded = task_manager.load(["maskft_bio_reverse", "maskft_gsm"])["tasks"]
    bio = loaded["maskft_bio_reverse"]
    doc = next(iter(bio.test_docs()))
    answer = f"That is {doc['answers'][0]}."
    assert bio.process_results(doc, [answer]) == metrics.score("knowledge", answer, doc["answers"])
    gsm = loaded["maskft_gsm"]
    doc = next(iter(gsm.test_docs()))
    assert gsm.process_results(doc, [doc["answers"][1]])["accuracy"] == 1.0
    assert gsm.doc_to_text(doc) == doc["prompt"]


def test_generation_settings(task_manager):
    task = task_manager.load(["maskft_bio_forward"])["tasks"]["maskft_bio_forward"]
    kwargs = task.config.generation_kwargs
    assert kwargs["do_sample"] is False and kwargs["max_gen_toks"] == 128
    assert task.config.num_fewshot in (None, 0)


def test_install_makes_plain_lm_eval_find_the_suite():
    """`maskft-bench tasks install` lets TaskManager() find maskft_* without --include_path."""
    from lm_eval.tasks import TaskManager

    target = tasks_registry.lm_eval_tasks_dir() / tasks_registry.INSTALLED_NAME
    was_installed = target.exists()
    try:
        subprocess.run(["maskft-bench", "tasks", "install"], check=True, capture_output=True)
        assert TaskManager().match_tasks(["maskft_*"]) == TEST_TASKS
        subprocess.run(["maskft-bench", "tasks", "uninstall"], check=True, capture_output=True)
        assert not target.exists()
        assert TaskManager().match_tasks(["maskft_*"]) == []
    finally:
        if was_installed:
            tasks_registry.install()


def test_uninstall_refuses_a_folder_it_did_not_make(tmp_path, monkeypatch):
    monkeypatch.setattr(tasks_registry, "lm_eval_tasks_dir", lambda: tmp_path)
    (tmp_path / tasks_registry.INSTALLED_NAME).mkdir()
    with pytest.raises(tasks_registry.RegistryError, match="not installed by maskft-bench"):
        tasks_registry.uninstall()
    with pytest.raises(tasks_registry.RegistryError, match="not installed by maskft-bench"):
        tasks_registry.install()
    assert (tmp_path / tasks_registry.INSTALLED_NAME).is_dir()
