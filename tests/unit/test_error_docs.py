"""docs/errors.md shows exactly the table the code uses."""

from pathlib import Path

from gophertok.errors import markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def test_error_code_table_in_docs_matches_the_code():
    text = DOC.read_text()
    generated = text.split("<!-- generated: begin -->\n", 1)[1].split("<!-- generated: end -->", 1)[0]
    assert generated == markdown_table(), "run: python -m gophertok.errors and paste into docs/errors.md"
