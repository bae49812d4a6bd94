"""demo.py as a person sees it: the page served on this machine, driven in headless Chromium
(Debian's chromium and chromedriver; Selenium's own browser download cannot run offline)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from PIL import Image

from litlab.conf_dir import conf_dir
from tests.conftest import in_ci, run_cli, run_train

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 30  # seconds for the page to load and answer (both take about one on an idle machine)
BRIEF = [  # a few batches: the pages need a checkpoint, not a good model
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
    "trainer.limit_test_batches=1",
    "~logger",
]
NO_FIGURES = [
    f"callbacks.{name}=null"
    for name in ("loss_curves", "confusion_matrix", "reconstructions", "latent_space")
] + ["callbacks.sample_progress=null"]


def require_browser(chromium: Path = CHROMIUM, chromedriver: Path = CHROMEDRIVER) -> None:
    """Nothing when both are installed; else a skip that says why, and in CI a failure, so a
    missing browser can never pass as green."""
    missing = [str(p) for p in (chromium, chromedriver) if not p.is_file()]
    if missing:
        reason = f"no browser for the demo test: {', '.join(missing)} missing"
        reason += " (apt-get install chromium chromium-driver)"
        if in_ci():
            pytest.fail(f"{reason}; CI needs it")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium, or a skip that says why there is none (a failure in CI)."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(ckpt: Path) -> Iterator[str]:
    """The demo of `ckpt` served in a background thread, as `python demo.py ckpt_path=...`."""
    from litlab.demo.app import serve

    with initialize_config_dir(conf_dir(), version_base="1.3"):
        cfg = compose("demo", [f"ckpt_path={ckpt}", f"port={free_port()}", "device=cpu"])
    blocks = serve(cfg, block=False)
    try:
        yield f"http://{cfg.host}:{cfg.port}/"
    finally:
        blocks.close()


def text_of(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0].text if found else ""


def wait_until(driver, condition) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(lambda d: condition(d))


@pytest.fixture(scope="module")
def classifier_ckpt(tmp_path_factory) -> Path:
    """A CNN trained one epoch on scikit-learn's 8x8 digits (about 90% of the test set right)."""
    run = tmp_path_factory.mktemp("classifier")
    result = run_train(["trainer.max_epochs=1", "~logger", *NO_FIGURES], run)
    return Path(result["best_checkpoint"])


def digit_it_gets_right(ckpt: Path, folder: Path) -> tuple[Path, str, float]:
    """A digits test image as a PNG, its class and the probability the model gives it, from
    this test's own forward pass over the PNG's pixels."""
    from sklearn.datasets import load_digits

    from litlab.utils.checkpoints import load_model

    model = load_model(ckpt, "cpu")
    mean, std = model.spec.mean[0], model.spec.std[0]
    digits = load_digits()
    for i in range(len(digits.target) - 1, 0, -1):  # from the end: the split's test share
        path = folder / f"digit_{i}.png"
        Image.fromarray(np.round(digits.images[i] * 255 / 16).astype(np.uint8)).save(path)
        pixels = np.asarray(Image.open(path), dtype=np.float32) / 255
        x = (torch.from_numpy(pixels)[None, None] - mean) / std
        with torch.no_grad():
            p = model(x).softmax(1)[0]
        if int(p.argmax()) == digits.target[i] and 0.5 < p.max() < 0.995:
            return path, str(digits.target[i]), float(p.max())
    raise AssertionError("the briefly trained model gets no test digit right")


def test_the_page_shows_the_class_probabilities_of_an_uploaded_digit(
    classifier_ckpt, browser, tmp_path
):
    from selenium.webdriver.common.by import By

    image, name, p = digit_it_gets_right(classifier_ckpt, tmp_path)
    with serving(classifier_ckpt) as url:
        browser.get(url)
        upload_tab = (By.XPATH, "//button[@role='tab' and text()='Upload']")
        wait_until(browser, lambda d: d.find_elements(*upload_tab))
        page = browser.find_element(By.TAG_NAME, "body").text
        assert "Classifier on DigitsDataModule" in page and "test/acc" in page, page
        browser.find_element(*upload_tab).click()
        wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#upload input[type=file]"))
        browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys(str(image))
        wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#upload img"))
        browser.find_element(By.CSS_SELECTOR, "#classify-upload").click()
        wait_until(browser, lambda d: "%" in text_of(d, "#probabilities"))
        shown = text_of(browser, "#probabilities").splitlines()
    # the label's heading is the most likely class, then each class with its percentage
    assert shown[1] == name, shown
    assert f"{round(p * 100)}%" == shown[shown.index(name, 2) + 1], (shown, p)


def test_demo_without_a_checkpoint_says_how_to_give_one():
    result = run_cli("demo.py", [])
    assert result.returncode == 1
    assert result.stderr.strip() == "error: ckpt_path must be set: python demo.py ckpt_path=..."


def test_moving_the_seed_draws_new_vae_samples(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ckpt = run_train(["model=vae", *BRIEF, *NO_FIGURES], tmp_path)["best_checkpoint"]
    samples = (By.CSS_SELECTOR, "#samples img")
    with serving(Path(ckpt)) as url:
        browser.get(url)
        wait_until(browser, lambda d: d.find_elements(*samples))  # drawn when the page loads
        first = browser.find_element(*samples).get_attribute("src")
        seed = browser.find_element(By.CSS_SELECTOR, "#seed input[type=number]")
        seed.send_keys(Keys.CONTROL, "a")
        seed.send_keys("7", Keys.ENTER)
        wait_until(browser, lambda d: d.find_element(*samples).get_attribute("src") != first)
        browser.find_element(By.CSS_SELECTOR, "#interpolate").click()
        wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#interpolation img"))


def test_a_drawing_becomes_light_ink_on_black_cropped_to_the_ink():
    from litlab.demo.classifier import drawing

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))  # the sketchpad's transparent canvas
    canvas.paste((0, 0, 0, 255), (100, 40, 120, 240))  # one dark vertical stroke: a "1"
    image = drawing({"composite": canvas}, grey=True)
    assert image.mode == "L" and image.width == image.height == 280  # 200 tall, plus 20% twice
    pixels = np.asarray(image)
    assert pixels[140, 140] == 255 and pixels[0, 0] == 0 and pixels[140, 100] == 0
    assert drawing({"composite": Image.new("RGBA", (280, 280))}, grey=True) is None


def test_the_table_page_shows_the_prediction_for_a_row_typed_into_its_form(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from sklearn.datasets import load_wine

    from litlab.predictions.tables import predict_rows
    from litlab.utils.checkpoints import load_model

    run = run_train(["data=wine", *BRIEF, *NO_FIGURES], tmp_path)
    model = load_model(run["best_checkpoint"], "cpu")
    row = load_wine(as_frame=True).frame.drop(columns="target").iloc[[0]]
    expected = predict_rows(model, row).iloc[0]
    name = str(expected["prediction"])
    with serving(Path(run["best_checkpoint"])) as url:
        browser.get(url)
        wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#predict"))
        form = browser.find_elements(By.CSS_SELECTOR, ".table-field")
        # one field per column of the table, in its order (no missing-value flags)
        assert [field.text.splitlines()[0] for field in form] == list(row.columns)
        for field, column in zip(form, row.columns, strict=True):
            box = field.find_element(By.TAG_NAME, "input")
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(str(row.iloc[0][column]))
        browser.find_element(By.CSS_SELECTOR, "#predict").click()
        wait_until(browser, lambda d: "%" in text_of(d, "#prediction"))
        shown = text_of(browser, "#prediction").splitlines()
    assert shown[1] == name, shown
    assert f"{round(expected[f'p_{name}'] * 100)}%" == shown[shown.index(name, 2) + 1], shown


def test_a_missing_browser_skips_on_a_newcomers_machine_and_fails_in_ci(monkeypatch, tmp_path):
    absent = tmp_path / "chromium"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium missing"):
        require_browser(absent, absent)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"chromium missing .*; CI needs it"):
        require_browser(absent, absent)
