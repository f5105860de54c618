"""`make mutation`: mutmut over the modules that guard the promise, one module at a time with its own tests.

Run: .venv/bin/python mutation/run.py [--modules numbers,pii] [--sample] [--budget SECONDS] [--children N]

A full run tests every mutant of each module listed in mutation/modules.toml, writes mutation/REPORT.md and
mutation/results.json, and exits 1 when a module kills fewer than `floor` of its mutants that are not listed as
equivalent (mutation/equivalent.toml), or when an equivalent entry no longer names a surviving mutant.
--sample tests a fixed draw of `sample` mutants per module (what CI runs) from those that are neither listed as
equivalent nor recorded as surviving by the last full run (mutation/results.json, listed in REPORT.md), and exits 1
when one of them survives (the score fell) or the whole run takes longer than --budget seconds.

Each module runs in build/mutation/<name>/: a scratch folder linking the repository's sources, tests and the
folders in [tool.mutmut] also_copy, with a pyproject.toml whose [tool.mutmut] table is the repository's plus the
module's only_mutate and test selection. mutmut copies that into its own mutants/ folder and runs there.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from mutmut.mutation.diff_apply import read_mutant_function, read_original_function
from mutmut.mutation.file_mutation import mutate_file_contents
from mutmut.stats import status_by_exit_code
from mutmut.utils.format_utils import get_mutant_name, mangled_name_from_mutant_name

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "mutation"
WORK = REPO / "build" / "mutation"
REPORT = HERE / "REPORT.md"
RESULTS = HERE / "results.json"
# mutmut's statuses that count as the tests noticing the mutant: a failing test, or a hang cut off by its timeout.
DETECTED = {"killed", "timeout"}


@dataclass(frozen=True)
class Module:
    """One module under mutation testing and the test files that guard it."""

    name: str
    path: str
    tests: list[str]
    sample: int


@dataclass(frozen=True)
class Mutant:
    """One mutant: mutmut's name, the function it changes, and the change (stripped removed and added lines)."""

    name: str
    function: str
    before: str
    after: str
    diff: str


@dataclass
class Equivalent:
    """A mutant that changes nothing observable, with the reason; matched by function and change."""

    function: str
    before: str
    after: str
    reason: str
    matched: list[str] = field(default_factory=list)

    def matches(self, mutant: Mutant) -> bool:
        """Whether this entry describes the mutant."""
        return (self.function, self.before, self.after) == (mutant.function, mutant.before, mutant.after)


def load_modules() -> tuple[list[Module], int, float]:
    """The modules of mutation/modules.toml, the sample seed and the floor."""
    data = tomllib.loads((HERE / "modules.toml").read_text(encoding="utf-8"))
    modules = [Module(m["name"], m["path"], list(m["tests"]), int(m["sample"])) for m in data["module"]]
    return modules, int(data["seed"]), float(data["floor"])


def load_equivalents() -> list[Equivalent]:
    """The entries of mutation/equivalent.toml."""
    data = tomllib.loads((HERE / "equivalent.toml").read_text(encoding="utf-8"))
    return [Equivalent(e["function"], e["before"], e["after"], e["reason"]) for e in data.get("equivalent", [])]


def _changed(diff: str, sign: str) -> str:
    """The lines a unified diff removes ('-') or adds ('+'), stripped and joined by newlines."""
    return "\n".join(ln[1:].strip() for ln in diff.splitlines() if ln.startswith(sign) and not ln.startswith(sign * 3))


def mutants_of(module: Module) -> list[Mutant]:
    """Every mutant mutmut makes of the module, with its diff, in mutmut's order (generated here, run nowhere)."""
    source = (REPO / module.path).read_text(encoding="utf-8")
    mutated = mutate_file_contents(module.path, source)
    tree = cst.parse_module(mutated.code)
    out = []
    for short in mutated.mutant_names:
        name = get_mutant_name(Path(module.path), short)
        orig, mutant = (cst.Module([f]).code.strip().splitlines() for f in
                        (read_original_function(tree, name), read_mutant_function(tree, name)))
        diff = "\n".join(difflib.unified_diff(orig, mutant, module.path, module.path, lineterm=""))
        out.append(Mutant(name, mangled_name_from_mutant_name(name), _changed(diff, "-"), _changed(diff, "+"), diff))
    return out


def _key(mutant: Mutant) -> tuple[str, str, str]:
    """What names a mutant across runs: its function and its change (mutmut's numbers shift when code changes)."""
    return mutant.function, mutant.before, mutant.after


def known_survivors(module: Module) -> set[tuple[str, str, str]]:
    """The module's surviving mutants as the last full run recorded them in mutation/results.json (listed in
    REPORT.md). The CI sample draws from the others: each of those was killed, so one that survives is a fall."""
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    return {(s["function"], s["before"], s["after"]) for s in results.get(module.name, {}).get("survivors", [])}


def _toml_table(name: str, values: dict[str, object]) -> str:
    """A TOML table of strings, numbers, booleans and lists of them (JSON literals are TOML literals for these)."""
    return f"[{name}]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in values.items())


def prepare(module: Module) -> Path:
    """A fresh scratch folder for the module: links to the sources and tests, and the module's mutmut config."""
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    base = dict(tomllib.loads(pyproject)["tool"]["mutmut"])
    base.update(only_mutate=[module.path], pytest_add_cli_args_test_selection=module.tests)
    table = re.compile(r"^\[tool\.mutmut\]\n(?:(?!\[).*\n|\n)*", re.MULTILINE)
    work = WORK / module.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "pyproject.toml").write_text(table.sub(_toml_table("tool.mutmut", base) + "\n", pyproject), "utf-8")
    for entry in {*base["source_paths"], "tests", *base.get("also_copy", [])}:
        top = Path(entry).parts[0]
        if not (work / top).exists():
            (work / top).symlink_to(REPO / top)
    return work


def run_mutmut(work: Path, names: list[str], children: int, deadline: float | None) -> None:
    """mutmut run over the named mutants (globs allowed) in the scratch folder, niced, output to mutmut.log;
    stopped with all its workers at the deadline (time.monotonic())."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the mutated copy must be what tests import
    cmd = ["nice", "-n", "10", sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *names]
    with open(work / "mutmut.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=None if deadline is None else max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # mutmut's forked workers are in its session
            proc.wait()
            raise SystemExit(f"FAILED: mutation testing over the time budget; stopped in {work}") from None
    if code != 0:
        tail = (work / "mutmut.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"FAILED: mutmut exited with {code} in {work}:\n{tail}")


def statuses(work: Path, module: Module) -> dict[str, str]:
    """mutmut's verdict for every mutant of the module ('not checked' for those not run)."""
    meta = json.loads((work / "mutants" / (module.path + ".meta")).read_text(encoding="utf-8"))
    return {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}


@dataclass
class Outcome:
    """One module's result."""

    module: Module
    mutants: list[Mutant]
    status: dict[str, str]
    equivalent: dict[str, Equivalent]
    seconds: float

    def tested(self) -> list[Mutant]:
        """The mutants that were run (all of them in a full run, the draw in a sample)."""
        return [m for m in self.mutants if self.status.get(m.name, "not checked") != "not checked"]

    def survivors(self) -> list[Mutant]:
        """Run, not equivalent, and not detected."""
        return [m for m in self.tested() if m.name not in self.equivalent and self.status[m.name] not in DETECTED]

    def killed(self) -> int:
        """Detected mutants (equivalent ones cannot be)."""
        return sum(self.status[m.name] in DETECTED for m in self.tested() if m.name not in self.equivalent)

    def score(self) -> float:
        """Share of the non-equivalent mutants run that the tests detected."""
        counted = [m for m in self.tested() if m.name not in self.equivalent]
        return self.killed() / len(counted) if counted else 1.0


def run_module(module: Module, equivalents: list[Equivalent], sample: int | None, seed: int, children: int,
               deadline: float | None = None) -> Outcome:
    """Generate, choose (all, or the fixed draw) and run the module's mutants."""
    start = time.monotonic()
    mutants = mutants_of(module)
    equivalent = {}
    for mutant in mutants:
        if entry := next((e for e in equivalents if e.matches(mutant)), None):
            entry.matched.append(mutant.name)
            equivalent[mutant.name] = entry
    if sample is None:
        names = [f"{Path(module.path).with_suffix('').as_posix().replace('/', '.')}.*"]
    else:
        known = known_survivors(module)
        pool = sorted(m.name for m in mutants if m.name not in equivalent and _key(m) not in known)
        names = sorted(random.Random(f"{seed}:{module.name}").sample(pool, min(sample, len(pool))))
    work = prepare(module)
    run_mutmut(work, names, children, deadline)
    return Outcome(module, mutants, statuses(work, module), equivalent, time.monotonic() - start)


def _fence(text: str) -> str:
    return "```diff\n" + text + "\n```"


def record(outcome: Outcome) -> dict[str, object]:
    """One module's result as stored in mutation/results.json (what the report is written from)."""
    diffs = {m.name: m.diff for m in outcome.mutants}
    return {
        "path": outcome.module.path, "tests": outcome.module.tests, "mutants": len(outcome.tested()),
        "killed": outcome.killed(), "timeouts": sum(outcome.status.get(m.name) == "timeout" for m in outcome.mutants),
        "survived": len(outcome.survivors()), "equivalent": len(outcome.equivalent),
        "score": round(outcome.score(), 4), "seconds": round(outcome.seconds),
        "survivors": [{"name": m.name, "status": outcome.status[m.name], "function": m.function, "before": m.before,
                       "after": m.after, "diff": m.diff} for m in outcome.survivors()],
        "equivalents": [{"name": n, "reason": e.reason, "diff": diffs[n]} for n, e in outcome.equivalent.items()],
    }


def write_report(results: dict[str, dict], modules: list[Module], floor: float) -> None:
    """mutation/REPORT.md from the stored results: per module killed, survived, equivalent and score, then every
    survivor and every equivalent mutant with its reason."""
    lines = [
        "# Mutation testing", "",
        "Written by `make mutation` (mutation/run.py: mutmut over each module with only its own test files).",
        f"Floor: {floor:.0%} of the non-equivalent mutants killed in each module. Equivalent mutants and the",
        "reasons are listed in `mutation/equivalent.toml`; killed counts mutants stopped by a timeout too.",
        "`make test` runs `make mutation-sample`: a fixed draw of mutants per module from those this run killed",
        "(`mutation/modules.toml`), failing when one of them survives; the survivors below are not drawn.", "",
        "| module | tests | mutants | killed | survived | equivalent | score | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    done = [results[m.name] for m in modules if m.name in results]
    for r in done:
        killed = f"{r['killed']}" + (f" ({r['timeouts']} by timeout)" if r["timeouts"] else "")
        lines.append(f"| `{r['path']}` | {', '.join(f'`{t}`' for t in r['tests'])} | {r['mutants']} | {killed} | "
                     f"{r['survived']} | {r['equivalent']} | **{r['score']:.1%}** | {r['seconds']} s |")
    for r in done:
        lines += ["", f"## {r['path']}", ""]
        if r["survivors"]:
            lines += ["Surviving mutants (not equivalent):", ""]
            for s in r["survivors"]:
                lines += [f"- `{s['name']}` ({s['status']})", "", _fence(s["diff"]), ""]
        else:
            lines += ["No surviving mutant that is not equivalent.", ""]
        if r["equivalents"]:
            lines += ["Equivalent mutants:", ""]
            for e in r["equivalents"]:
                lines += [f"- `{e['name']}`: {e['reason']}", "", _fence(e["diff"]), ""]
    REPORT.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", default="", help="comma-separated names from mutation/modules.toml (default all)")
    parser.add_argument("--sample", action="store_true", help="only the fixed draw of mutants per module (CI)")
    parser.add_argument("--budget", type=float, default=0, help="stop and fail past this many seconds (0: no limit)")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once")
    args = parser.parse_args()
    os.chdir(REPO)
    modules, seed, floor = load_modules()
    wanted = [w for w in args.modules.split(",") if w]
    unknown = set(wanted) - {m.name for m in modules}
    if unknown:
        parser.error(f"okänd modul: {', '.join(sorted(unknown))}")
    modules = [m for m in modules if not wanted or m.name in wanted]
    equivalents = load_equivalents()
    start = time.monotonic()
    deadline = start + args.budget if args.budget else None
    outcomes, failed = [], []
    for module in modules:
        outcome = run_module(module, equivalents, module.sample if args.sample else None, seed, args.children,
                             deadline)
        outcomes.append(outcome)
        tested = f"{len(outcome.tested())} of {len(outcome.mutants)} mutants drawn" if args.sample else (
            f"{len(outcome.tested())} mutants")
        print(f"{module.path}: {tested}, {outcome.killed()} killed, {len(outcome.survivors())} survived, "
              f"{len(outcome.equivalent)} listed equivalent, score {outcome.score():.1%} ({outcome.seconds:.0f} s)",
              flush=True)
        for m in outcome.survivors():
            print(f"  survived: {m.name}\n" + "\n".join(f"    {ln}" for ln in m.diff.splitlines()[2:]))
        if args.sample and outcome.survivors():
            failed.append(f"{module.path}: {len(outcome.survivors())} of the sampled mutants survived")
        if not args.sample and outcome.score() < floor:
            failed.append(f"{module.path}: score {outcome.score():.1%} is under the floor {floor:.0%}")
    elapsed = time.monotonic() - start
    print(f"mutation {'sample' if args.sample else 'run'}: {elapsed:.0f} s")
    if not args.sample:
        results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        results.update({o.module.name: record(o) for o in outcomes})
        results = {m.name: results[m.name] for m in load_modules()[0] if m.name in results}
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        write_report(results, load_modules()[0], floor)
        for e in equivalents:
            in_scope = any(e.function.startswith(m.path[:-3].replace("/", ".") + ".") for m in modules)
            if in_scope and not e.matched:
                failed.append(f"equivalent entry matches no mutant: {e.function}: {e.before!r} → {e.after!r}")
        for o in outcomes:
            failed += [f"listed as equivalent but killed: {n}" for n in o.equivalent if o.status[n] in DETECTED]
    if args.budget and elapsed > args.budget:
        failed.append(f"took {elapsed:.0f} s, over the budget of {args.budget:.0f} s")
    for line in failed:
        print(f"FAILED: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
