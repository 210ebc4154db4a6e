"""The README's data-format section is the schema's, and the top of the README shows the two commands."""

from pathlib import Path

from kalib.schema import markdown_reference

ROOT = Path(__file__).resolve().parents[1]


def test_readme_data_format_is_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- data-format:start -->\n", 1)[1].split("<!-- data-format:end -->", 1)[0]
    assert section == markdown_reference(), "README's data-format section is stale: run `make docs`"


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```bash", 1)[1].split("```", 1)[0]
    assert "make report" in first_block and "make test" in first_block


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
