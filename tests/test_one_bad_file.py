"""A defect met while analyzing one file costs that file only, in every format."""

from __future__ import annotations

from reglint import runner
from reglint.config import Settings

BAD = "from keras import layers\nlayers.Dense(3)  # bad\n"
GOOD = "from keras import layers\nlayers.Dense(3)\n"


def test_an_exception_on_one_file_is_that_files_error_and_the_others_are_linted(
    tmp_path, monkeypatch
):
    real = runner.lint_source

    def lint_source(text, path, settings):
        if "# bad" in text:
            raise TypeError("a defect")
        return real(text, path, settings)

    monkeypatch.setattr(runner, "lint_source", lint_source)
    files = []
    for name, text in [("a.py", GOOD), ("b.py", BAD), ("c.py", GOOD)]:
        (tmp_path / name).write_text(text)
        files.append(str(tmp_path / name))
    for cache in (False, True):
        results = list(runner.lint_files(files, Settings(), jobs=1, cache=cache))
        assert [r.error is None for r in results] == [True, False, True]
        assert "analysis failed (TypeError: a defect)" in results[1].error
        assert [f.code for f in results[0].findings] == ["RL001"]
        assert [f.code for f in results[2].findings] == ["RL001"]
