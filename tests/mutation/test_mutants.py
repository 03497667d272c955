"""The mutation tool itself: which mutants it makes, how it applies them, how it scores."""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from tests.mutation import mutants, run
from tests.mutation.mutants import Mutant, list_mutants, mutate

ROOT = Path(__file__).resolve().parents[2]

SOURCE = textwrap.dedent('''\
    """Docstring: not mutated."""
    from __future__ import annotations

    import functools
    from typing import TYPE_CHECKING, TypeVar

    if TYPE_CHECKING:
        from x import y

    Alias = dict[str, int]
    T = TypeVar("T")
    LIMIT = 63


    @functools.lru_cache(maxsize=8)
    def check(name: str, flag: bool = True) -> bool:
        """Docstring."""
        assert isinstance(name, str)
        if len(name) <= LIMIT and flag:
            return not name.startswith("-")
        return False


    def total(xs: list[int]) -> int:
        n = 0
        for x in xs:
            n += x * 2
        print(f"{n:>4}")
        return


    if __name__ == "__main__":
        total([1])
''')


def _descriptions(source: str) -> list[str]:
    return [m.description for m in list_mutants(source)]


def test_every_operator_and_nothing_else() -> None:
    assert _descriptions(SOURCE) == [
        "remove LIMIT = 63", "constant 63 -> 64", "constant 63 -> 62",
        "constant True -> False",
        "remove if len(name) <= LIMIT and flag:", "negate the condition of if len(name) <= LIMIT and flag",
        "'and' -> 'or' in len(name) <= LIMIT and flag", "'<=' -> '<' in len(name) <= LIMIT",
        "return None instead of return not name.startswith('-')", "drop the 'not' of not name.startswith('-')",
        "constant '-' -> 'XX-XX' (argument 1 of name.startswith)",
        "return None instead of return False", "constant False -> True",
        "remove n = 0", "constant 0 -> 1", "constant 0 -> -1",
        "remove for x in xs:", "remove n += x * 2", "'+=' -> '-=' in n += x * 2", "'*' -> '/' in x * 2",
        "constant 2 -> 3", "constant 2 -> 1",
        "remove print(f'{n:>4}')",
    ]


def test_each_mutant_changes_exactly_what_it_says() -> None:
    found = list_mutants(SOURCE)
    original = ast.unparse(ast.parse(SOURCE))
    texts = set()
    for m in found:
        tree, applied = mutate(SOURCE, m.index)
        assert applied == m
        text = ast.unparse(tree)
        assert text != original
        texts.add(text)
        compile(tree, "<mutant>", "exec")
    assert len(texts) == len(found)
    tree, _ = mutate(SOURCE, next(m.index for m in found if m.description.startswith("'<='")))
    assert "len(name) < LIMIT" in ast.unparse(tree)


def test_a_mutant_knows_its_statement() -> None:
    source = "def f():\n    return (\n        'a',\n        'b',\n    )\n"
    found = list_mutants(source)
    assert [(m.description, m.line, m.stmt_line, m.stmt_end) for m in found] == [
        ("return None instead of return ('a', 'b')", 2, 2, 5), ("constant 'a' -> 'XXaXX'", 3, 2, 5),
        ("constant 'b' -> 'XXbXX'", 4, 2, 5)]


def test_if_else_branches_are_swapped_and_keyword_constants_named() -> None:
    source = "def f(x):\n    if x:\n        return 1\n    else:\n        return open('p', mode='r')\n"
    found = list_mutants(source)
    assert [m.description for m in found][:2] == ["remove if x:", "swap the if and else branches"]
    assert "constant 'r' -> 'XXrXX' (mode=)" in [m.description for m in found]
    tree, _ = mutate(source, 1)
    assert ast.unparse(tree).splitlines()[1:3] == ["    if x:", "        return open('p', mode='r')"]


def test_mutate_refuses_an_index_out_of_range() -> None:
    with pytest.raises(IndexError, match="no mutant 99 in source"):
        mutate("x = 1\n", 99)


def test_equivalent_snippets_apply_to_their_file_only() -> None:
    source = "import gc\n\ndef f():\n    gc.disable()\n    g()\n"
    assert _descriptions(source) == ["remove gc.disable()", "remove g()"]
    assert _descriptions_in(source, "krm_fn/cli.py") == ["remove g()"]


def _descriptions_in(source: str, path: str) -> list[str]:
    return [m.description for m in list_mutants(source, path)]


@pytest.mark.parametrize(("suffix", "snippet", "pattern", "reason"), mutants.EQUIVALENT)
def test_every_equivalent_entry_still_matches_a_mutant(suffix: str, snippet: str, pattern: str,
                                                       reason: str) -> None:
    """An entry that matches nothing has gone stale: the code moved on; update or drop it."""
    source = (ROOT / suffix).read_text()
    kept = {(m.line, m.description) for m in list_mutants(source, str(ROOT / suffix))}
    entries = [e for e in mutants.EQUIVALENT if e[0] != suffix or e[1] != snippet or e[2] != pattern]
    saved = mutants.EQUIVALENT[:]
    try:
        mutants.EQUIVALENT[:] = entries
        everything = {(m.line, m.description) for m in list_mutants(source, str(ROOT / suffix))}
    finally:
        mutants.EQUIVALENT[:] = saved
    assert everything - kept, f"{suffix}: {snippet!r} / {pattern!r} excludes no mutant any more"
    assert reason


def test_the_typed_defaults_called_equivalent_are_defaulted_by_every_shipped_schema() -> None:
    from krm_fn import crd, releases

    for api in {releases.release(t).api for t in releases.TAGS}:
        spec = crd.modelservice_schema(api)["properties"]["spec"]
        for paths in mutants.MODEL_DEFAULTS_OF_EVERY_SCHEMA.values():
            for path in paths.split():
                node = spec
                for key in path.split("."):
                    node = node["properties"][key]
                assert "default" in node, f"{api}: {path} has no default, so its typed default can apply"


def test_what_the_equivalent_fallbacks_rely_on_holds_in_every_shipped_schema() -> None:
    from krm_fn import crd, releases

    for api in {releases.release(t).api for t in releases.TAGS}:
        spec = crd.modelservice_schema(api)["properties"]["spec"]
        for path, keyword, value in mutants.SCHEMA_GUARANTEES:
            node = spec
            for key in path.split("."):
                node = node["properties"][key]
            assert node.get(keyword) == value, f"{api}: {path} {keyword} is {node.get(keyword)!r}, not {value!r}"


def test_swap_in_gives_a_loaded_function_the_mutant_s_code(tmp_path: Path) -> None:
    path = tmp_path / "mutation_target.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("mutation_target", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_target"] = module
    try:
        spec.loader.exec_module(module)
        assert module.check("a" * 63) is True
        boundary = next(m for m in list_mutants(SOURCE) if m.description.startswith("'<='"))
        assert run.swap_in(module, str(path), SOURCE, boundary.index)
        module.check.cache_clear()
        assert module.check("a" * 63) is False and module.check("a" * 62) is True
        constant = next(m for m in list_mutants(SOURCE) if m.description == "constant 63 -> 64")
        assert not run.swap_in(module, str(path), SOURCE, constant.index), "module level: a fresh import"
    finally:
        del sys.modules["mutation_target"]


def test_tests_are_selected_by_the_lines_they_run() -> None:
    base = run.Baseline({run.IMPORT: {1, 2}, "t1": {5, 6}, "t2": {6, 9}}, ["t1", "t2"])
    assert run._selection(Mutant(0, 6, 6, ""), base) == ["t1", "t2"]
    assert run._selection(Mutant(0, 8, 9, ""), base) == ["t2"]
    assert run._selection(Mutant(0, 7, 7, ""), base) == []
    assert run._selection(Mutant(0, 2, 5, ""), base) is None, "runs at import: every test, fresh"
    assert run._selection(Mutant(0, 7, 7, "", 6, 7), base) == ["t1", "t2"], "its statement's lines count"


def test_scores_weigh_modules_by_their_mutants() -> None:
    def outcomes(killed: int, survived: int) -> list[run.Outcome]:
        return ([run.Outcome(Mutant(i, 1, 1, ""), "killed") for i in range(killed)]
                + [run.Outcome(Mutant(i, 1, 1, ""), "survived") for i in range(survived)])

    scores = [run.ModuleScore("a", 300, outcomes(9, 1)), run.ModuleScore("b", 100, outcomes(5, 5))]
    assert [s.score for s in scores] == [90.0, 50.0]
    assert run.overall(scores) == 80.0
    assert run.table(scores).splitlines()[2] == "| a | 300 | 10 | 9 | 0 | 1 | 0 | 90.0 % |"


def test_scores_survive_a_round_trip_through_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scores = [run.ModuleScore("a", 3, [run.Outcome(Mutant(0, 1, 2, "d"), "killed", "t (call)", 0.5, "t"),
                                       run.Outcome(Mutant(2, 4, 4, "e"), "uncovered")])]
    run.save_scores(str(tmp_path / "a.json"), scores)
    assert run.load_scores(str(tmp_path / "a.json")) == scores
    assert run.main(["--table", str(tmp_path / "a.json")]) == 0
    assert capsys.readouterr().out.splitlines()[2:] == ["| a | 3 | 2 | 1 | 0 | 0 | 1 | 50.0 % |", "",
                                                        "overall: 50.0 %"]


def test_mirrors_and_module_names() -> None:
    cli = ROOT / "krm_fn" / "cli.py"
    assert run.module_name(cli) == "krm_fn.cli"
    assert run.mirror_tests(cli) == ["tests/test_cli.py"]
    assert run.mirror_tests(ROOT / "krm_fn" / "status_cli.py") == ["tests/test_status_cli.py",
                                                                   "tests/test_status_cluster.py"]
    assert run.resolve_modules(["cli", "krm_fn/plugin.py"]) == [cli, ROOT / "krm_fn" / "plugin.py"]
    assert ROOT / "krm_fn" / "__main__.py" not in run.module_files()
    with pytest.raises(SystemExit, match="no module 'nope'"):
        run.resolve_modules(["nope"])


def test_a_sample_is_seeded_and_sorted() -> None:
    found = [Mutant(i, 1, 1, "") for i in range(50)]
    a, b = run.sample(found, 10, seed=3), run.sample(found, 10, seed=3)
    assert a == b and len(a) == 10 and a == sorted(a, key=lambda m: m.index)
    assert run.sample(found, 10, seed=4) != a
    assert run.sample(found, None, 0) == found and run.sample(found, 80, 0) == found
