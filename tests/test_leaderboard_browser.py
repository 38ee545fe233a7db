"""The leaderboard page in a real headless browser: Debian's chromium, driven by Selenium.

Needs `apt-get install chromium chromium-driver` (.ci/run installs them); it fails, never
skips, without them. The screenshot it takes is saved to test-artifacts/leaderboard.png.
"""

import json
import shutil
from pathlib import Path

import pytest
from leaderboard_support import (
    REPO,
    SEED,
    answer_correctly,
    document_for_suite,
    drop_task,
    reworded,
    with_retention,
    write,
)
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from maskft_bench.leaderboard import build_leaderboard
from maskft_bench.leaderboard.recompute import responses_sha256
from maskft_bench.leaderboard.reproductions import record_path

pytestmark = pytest.mark.slow  # about 7 s: five submissions and a browser start
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
ARTIFACT = REPO / "test-artifacts" / "leaderboard.png"
MARKUP = "<img src=x onerror=alert(1)><b>x</b>"
# Identifiers may not hold "/", so the model name's markup stops short of a closing tag; the
# notes (free text) carry one, and a script end tag aimed at the JSON data block.
MODEL = MARKUP.replace("</b>", "")
NOTES = f"{MARKUP} </script><script>alert(2)</script>"


SMALL_SUITE = "bio40-nd8-seed7-p2-math20.5.10"
# Six different answers on the small suite: its board (6 entries) outnumbers the default suite's.
SMALL_ANSWERS = ("I do not know", "No idea", "Unknown", "Pass", "Nobody", "Perhaps")


@pytest.fixture(scope="module")
def page(tmp_path_factory, seed_document, small_suite) -> Path:
    """The seed entry and four rewritten variants on the default suite (one of them a diffusion
    model); on another suite, six entries with math and one without."""
    root = tmp_path_factory.mktemp("board")
    subs = root / "submissions"
    subs.mkdir()
    shutil.copy(SEED, subs)
    seed = seed_document
    diffusion = answer_correctly(reworded(seed, "maskft_bio_reverse", "The diffusion model"),
                                 "maskft_bio_forward", 420, method="standard",
                                 model_name="standard-demo", training_tokens=90_000,
                                 training_flops=2.1e13)
    diffusion["summary"]["model_family"] = "diffusion"
    write(diffusion, subs)
    write(with_retention(answer_correctly(reworded(seed, "maskft_namedesc_reverse", "Paraphrase"),
                                          "maskft_bio_forward", 560, method="paraphrase",
                                          model_name="paraphrase-demo", training_tokens=900_000,
                                          training_flops=2.0e14, paraphrases=10), seed), subs)
    masked = answer_correctly(reworded(seed, "maskft_namedesc_forward", "Masked"),
                              "maskft_bio_forward", 500)
    write(answer_correctly(masked, "maskft_bio_reverse", 200, method="masked", model_name=MODEL,
                           notes=NOTES, training_tokens=180_000, training_flops=4.2e13), subs)
    write(answer_correctly(reworded(seed, "maskft_bio_reverse", "Other base"), "maskft_gsm", 120,
                           method="sft", base_model="OtherBase-1B",
                           model_name="other-base-demo", training_flops=None), subs)
    for answer in SMALL_ANSWERS:
        write(document_for_suite(seed, small_suite, answer=answer), subs)
    knowledge_only = document_for_suite(seed, small_suite, answer="Sorry")
    drop_task(knowledge_only, "maskft_gsm")
    write(knowledge_only, subs)
    reproduced = record_path(subs, seed["metadata"]["id"])  # the seed entry, reproduced
    reproduced.parent.mkdir()
    reproduced.write_text(json.dumps({"id": seed["metadata"]["id"], "share": 1.0,
                                      "responses_sha256": responses_sha256(seed["samples"])}))
    build_leaderboard(subs, root / "site")
    return root / "site" / "index.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), \
        "the browser test needs Debian's chromium: apt-get install -y chromium chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_window_size(1440, 1900)
    yield driver
    driver.quit()


def open_page(browser, path: Path):
    browser.get(path.as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".tabulator-row"))


def suite_select(driver) -> Select:
    return Select(driver.find_element(By.ID, "filter-suite"))


@pytest.fixture(scope="module")
def loaded(browser, page):
    """The page, switched to the default suite (the other tests' entries are there)."""
    open_page(browser, page)
    suite_select(browser).select_by_value("default")
    return browser


def cells(driver, field: str) -> list[str]:
    """The visible cells of a column, top to bottom (hidden columns have none)."""
    return [c.text for c in driver.find_elements(
        By.CSS_SELECTOR, f'.tabulator-row .tabulator-cell[tabulator-field="{field}"]')
        if c.is_displayed()]


def test_the_page_opens_on_the_suite_with_most_entries(browser, page):
    open_page(browser, page)
    assert suite_select(browser).first_selected_option.get_attribute("value") == SMALL_SUITE
    assert len(cells(browser, "model_name")) == len(SMALL_ANSWERS)
    assert [o.get_attribute("value") for o in suite_select(browser).options] == [
        SMALL_SUITE, "default", f"{SMALL_SUITE}-nomath"]


def test_page_loads_without_console_errors(loaded):
    errors = [entry for entry in loaded.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    assert len(cells(loaded, "model_name")) == 5  # the default suite's entries
    plots = loaded.execute_script(
        "return ['plot-direction', 'plot-compute'].map(id => Chart.getChart(id).data.datasets.length)")
    assert plots[0] >= 5 and plots[1] >= 3
    ARTIFACT.parent.mkdir(exist_ok=True)
    loaded.save_screenshot(str(ARTIFACT))
    print(f"screenshot: {ARTIFACT}")


def test_ranked_by_aggregate_and_clicking_a_header_resorts(loaded):
    aggregate = [float(t.split()[0]) for t in cells(loaded, "aggregate")]
    assert aggregate == sorted(aggregate, reverse=True)
    header = loaded.find_element(By.CSS_SELECTOR, '.tabulator-col[tabulator-field="reverse"]')
    header.click()
    first = [float(t) for t in cells(loaded, "reverse")]
    header.click()
    second = [float(t) for t in cells(loaded, "reverse")]
    assert sorted(first) in (first, second) and sorted(first, reverse=True) in (first, second)
    assert first != second


def test_forward_and_reverse_show_each_dataset_under_a_group_header(loaded):
    groups = [g.find_element(By.CSS_SELECTOR, ".tabulator-col-title").text
              for g in loaded.find_elements(By.CSS_SELECTOR, ".tabulator-col-group")]
    assert groups == ["Forward", "Reverse", "Training"]
    for direction in ("forward", "reverse"):
        means = [float(t) for t in cells(loaded, direction)]
        bio = [float(t) for t in cells(loaded, f"bio_{direction}")]
        namedesc = [float(t) for t in cells(loaded, f"namedesc_{direction}")]
        assert len(means) == len(bio) == len(namedesc) == 5
        for mean, parts in zip(means, zip(bio, namedesc, strict=True), strict=True):
            assert mean == pytest.approx(sum(parts) / 2, abs=1e-3)  # shown rounded to 0.001
    row = cells(loaded, "model_name").index("standard-demo")  # 420 biography answers right
    assert float(cells(loaded, "bio_forward")[row]) > float(cells(loaded, "namedesc_forward")[row])


def test_a_reproduced_entry_shows_its_share(loaded, seed_document):
    row = cells(loaded, "model_name").index(seed_document["metadata"]["model_name"])
    shown = cells(loaded, "reproduction")
    assert shown[row] == "yes 1.000"
    assert shown[:row] + shown[row + 1:] == ["–"] * 4


def test_markup_in_submitted_strings_is_shown_as_text(loaded):
    assert MODEL in cells(loaded, "model_name")
    assert NOTES in cells(loaded, "notes")
    for tag in ("img", "b", "script"):
        inside = loaded.find_elements(By.CSS_SELECTOR, f"#table {tag}")
        assert not inside, f"a submitted string created a <{tag}> element"
    assert not loaded.find_elements(By.TAG_NAME, "img")
    with pytest.raises(NoAlertPresentException):
        loaded.switch_to.alert.text  # noqa: B018 - reading it is the check


def test_filters_by_method_base_model_family_and_suite(loaded):
    method, base, family, suite = (Select(loaded.find_element(By.ID, f"filter-{name}"))
                                   for name in ("method", "base", "family", "suite"))
    method.select_by_value("masked")
    assert cells(loaded, "model_name") == [MODEL]
    method.select_by_value("")
    assert [o.get_attribute("value") for o in family.options] == ["", "autoregressive", "diffusion"]
    family.select_by_value("diffusion")
    assert cells(loaded, "model_name") == ["standard-demo"]
    assert cells(loaded, "family") == ["diffusion"]
    assert loaded.find_element(By.ID, "count").text == "1 of 5 entries"
    method.select_by_value("masked")  # filters combine: no masked diffusion model
    assert cells(loaded, "model_name") == []
    method.select_by_value("")
    family.select_by_value("autoregressive")
    assert len(cells(loaded, "model_name")) == 4 and "standard-demo" not in cells(loaded, "model_name")
    assert set(cells(loaded, "family")) == {"autoregressive"}
    family.select_by_value("")
    base.select_by_value("OtherBase-1B")
    assert cells(loaded, "model_name") == ["other-base-demo"]
    base.select_by_value("")
    suite.select_by_value(SMALL_SUITE)
    assert len(cells(loaded, "model_name")) == len(SMALL_ANSWERS)
    assert [o.text for o in family.options] == ["All", "autoregressive"]  # this suite's families
    assert "--seed 7" in loaded.find_element(By.ID, "suite-command").text
    assert cells(loaded, "aggregate") and not cells(loaded, "knowledge")
    suite.select_by_value(f"{SMALL_SUITE}-nomath")
    assert len(cells(loaded, "model_name")) == 1
    assert cells(loaded, "knowledge") and not cells(loaded, "aggregate")
    suite.select_by_value("default")
    assert len(cells(loaded, "model_name")) == 5
    assert not [e for e in loaded.get_log("browser") if e["level"] == "SEVERE"]


def test_the_committed_page_loads_without_console_errors(browser):
    open_page(browser, REPO / "leaderboard" / "index.html")
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    sizes = browser.execute_script(
        "const data = JSON.parse(document.getElementById('leaderboard-data').textContent);"
        "return data.boards.map(b => data.entries.filter(e => e.board === b.key).length)")
    assert sizes[0] == max(sizes) and len(cells(browser, "model_name")) == sizes[0]
    assert cells(browser, "bio_reverse") and cells(browser, "namedesc_reverse")
    assert all(0 <= float(c) <= 1 for c in cells(browser, "reverse_chance"))
    holder = browser.find_element(By.CSS_SELECTOR, "#table .tabulator-tableholder")
    wide, shown = browser.execute_script(
        "return [arguments[0].scrollWidth, arguments[0].clientWidth]", holder)
    assert wide <= shown, f"the table is {wide} px wide in a {shown} px window: it scrolls"
    suite_select(browser).select_by_value("default")
    assert "SmolLM2-135M-Instruct" in cells(browser, "model_name")
    assert "autoregressive" in cells(browser, "family")  # a summary from before model_family
