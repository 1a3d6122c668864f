"""Mutation testing of the conformance suite: does every plausible bug get a wrong verdict from some vector?

    python conformance/tools/mutate.py                    # every mutant, both implementations
    python conformance/tools/mutate.py --impl js --only js-leap-year
    python conformance/tools/mutate.py --baseline OLD/manifest.json   # also: which mutants the old ids kill
    python conformance/tools/mutate.py --list             # the table, nothing run

Each mutant is one small source edit (a file, an exact snippet that must occur once, its replacement) to a
copy of the Python reference or the JavaScript implementation. The copy is driven through the whole suite
by `modelfmt conformance run --strict --json` (reader and verifier roles; the runner itself always runs
the unmutated package), and the mutant is

- killed by verdict: some vector's outcome changed (a valid file rejected, an invalid one accepted, a wrong
  result document, a crash);
- killed by code only: every failing vector was still rejected, only with another code (`--strict` sees
  it, a runner without `--strict` does not);
- survived: every vector passed.

A vector that kills by verdict is the aim: a reader that skips a rule should accept a file, not stumble later
over another one. Needs Node.js 20 for the JavaScript mutants. About one minute per mutant on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

ROOT: Final = Path(__file__).resolve().parents[2]
SUITE: Final = ROOT / "conformance"
PYTHON_PACKAGE: Final = ROOT / "reference" / "modelfmt"
JS_FOLDER: Final = ROOT / "conformance" / "implementations" / "js"

Implementation = Literal["python", "js"]


@dataclass(frozen=True)
class Mutant:
    id: str
    implementation: Implementation
    file: str  # relative to reference/modelfmt or to implementations/js
    original: str
    mutated: str
    bug: str


MUTANTS: Final[tuple[Mutant, ...]] = (
    # ---- the Python reference ----------------------------------------------------------------------------
    Mutant(
        "py-attributes-written-order",
        "python",
        "signing/_signatures.py",
        'return DOMAIN + prefix_sha256 + _json.canonical(dict(attributes)).encode("utf-8")',
        'return DOMAIN + prefix_sha256 + ("{" + ",".join(_json.canonical(k) + ":" + _json.canonical(v) '
        'for k, v in attributes.items()) + "}").encode("utf-8")',
        "signed attributes serialised in the order written, not RFC 8785 order",
    ),
    Mutant(
        "py-concat-off-axis",
        "python",
        "graph/core/_shape.py",
        "if dim_index != axis and conflict(a, b):",
        "if dim_index != axis and conflict(a, b) and False:",
        "Concat does not compare the sizes off the axis",
    ),
    Mutant(
        "py-flatten-default",
        "python",
        "graph/core/_shape.py",
        'Attr("start_dim", "int", 1)',
        'Attr("start_dim", "int", 0)',
        "Flatten's start_dim defaults to 0",
    ),
    Mutant(
        "py-ceil-mode-last-window",
        "python",
        "graph/_shapes.py",
        "if (out - 1) * stride >= size + padding:",
        "if False:",
        "ceil_mode without the last-window rule",
    ),
    Mutant(
        "py-attn-mask-3d",
        "python",
        "graph/core/_attention.py",
        'conflict(shape[0], batch * ctx.int_attr("num_heads"))',
        'conflict(shape[0], batch * ctx.int_attr("num_heads")) and False',
        "a 3-D attn_mask not checked against batch x heads",
    ),
    Mutant(
        "py-metadata-characters",
        "python",
        "container/_header.py",
        'size = len(_json.canonical(metadata).encode("utf-8"))',
        "size = len(_json.canonical(metadata))",
        "the metadata size counted in characters, not UTF-8 bytes",
    ),
    Mutant(
        "py-body-length-upper-bound",
        "python",
        "format/_framing.py",
        "if body_length != extra - SIGNATURE_TRAILER_SIZE:",
        "if body_length > extra - SIGNATURE_TRAILER_SIZE:",
        "the signature body length B checked only as an upper bound",
    ),
    Mutant(
        "py-key-by-algorithm",
        "python",
        "signing/_signatures.py",
        "valid = signature_valid(entry, trusted[entry.key_id], prefix_sha256)",
        "valid = signature_valid(entry, next(trusted[k] for k in trusted "
        "if _keys.algorithm_of(trusted[k]) == entry.algorithm), prefix_sha256)",
        "the trusted key chosen by algorithm, not by the entry's key id",
    ),
    Mutant(
        "py-overlap-one-byte",
        "python",
        "container/_header.py",
        "if offset < previous_end:",
        "if offset + 1 < previous_end:",
        "a one-byte tensor overlap accepted",
    ),
    Mutant(
        "py-digest-first-chunk",
        "python",
        "container/_digests.py",
        "for start in range(0, len(data), _PIECE):",
        "for start in range(0, min(len(data), _PIECE), _PIECE):",
        "a tensor's digest computed over its first read chunk only",
    ),
    Mutant(
        "py-leap-year",
        "python",
        "signing/_signatures.py",
        "leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)",
        "leap = year % 4 == 0",
        "signed-time leap years by y % 4 alone",
    ),
    Mutant(
        "py-ecdsa-range",
        "python",
        "signing/_signatures.py",
        "if not (1 <= r < P256_ORDER and 1 <= s <= _P256_HALF_ORDER):",
        "if not (s <= _P256_HALF_ORDER):",
        "ECDSA r, s not checked to lie in (0, n) (the library checks them too)",
    ),
    # ---- the JavaScript implementation ----------------------------------------------------------------------
    Mutant(
        "js-attributes-written-order",
        "js",
        "signatures.js",
        "Buffer.from(canonicalize(attributes), 'utf8')",
        "Buffer.from(JSON.stringify(Object.fromEntries(attributes)), 'utf8')",
        "signed attributes serialised in the order written, not RFC 8785 order",
    ),
    Mutant(
        "js-concat-off-axis",
        "js",
        "ops.js",
        "if (j !== a) eqDim(",
        "if (j !== a && false) eqDim(",
        "Concat does not compare the sizes off the axis",
    ),
    Mutant(
        "js-flatten-default",
        "js",
        "ops.js",
        "attr('start_dim', 'int', 1)",
        "attr('start_dim', 'int', 0)",
        "Flatten's start_dim defaults to 0",
    ),
    Mutant(
        "js-ceil-mode-last-window",
        "js",
        "shapes.js",
        "if ((out - 1n) * sb >= Lb + pb) out -= 1n;",
        "",
        "ceil_mode without the last-window rule",
    ),
    Mutant(
        "js-attn-mask-3d",
        "js",
        "ops.js",
        'eqDim(c, am.shape[0], nh, "attn_mask\'s axis 0 differs from N * num_heads");',
        "",
        "a 3-D attn_mask not checked against batch x heads",
    ),
    Mutant(
        "js-metadata-characters",
        "js",
        "canonical.js",
        "else if (typeof x === 'string') total += Buffer.byteLength(canonicalString(x), 'utf8');",
        "else if (typeof x === 'string') total += canonicalString(x).length;",
        "the metadata size counted in characters, not UTF-8 bytes",
    ),
    Mutant(
        "js-body-length-upper-bound",
        "js",
        "framing.js",
        "if (B !== T - 16n) {",
        "if (B > T - 16n) {",
        "the signature body length B checked only as an upper bound",
    ),
    Mutant(
        "js-key-by-algorithm",
        "js",
        "signatures.js",
        "trusted.filter((k) => k.keyId === e.keyId)",
        "trusted.filter((k) => k.algorithm === e.algorithm)",
        "the trusted key chosen by algorithm, not by the entry's key id",
    ),
    Mutant(
        "js-overlap-one-byte",
        "js",
        "header.js",
        "if (offset < prevEnd) fail('TENSOR_OVERLAP'",
        "if (offset + 1n < prevEnd) fail('TENSOR_OVERLAP'",
        "a one-byte tensor overlap accepted",
    ),
    Mutant(
        "js-digest-first-chunk",
        "js",
        "reader.js",
        "hash.update(chunk);",
        "if (pos === 0n) hash.update(chunk);",
        "a tensor's digest computed over its first read chunk only",
    ),
    Mutant(
        "js-leap-year",
        "js",
        "signatures.js",
        "const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;",
        "const leap = y % 4 === 0;",
        "signed-time leap years by y % 4 alone",
    ),
    Mutant(
        "js-ed25519-s-range",
        "js",
        "signatures.js",
        "if (S >= ED25519_L) return false;",
        "",
        "Ed25519 S >= L not rejected (Node's OpenSSL rejects it too)",
    ),
    Mutant(
        "js-ecdsa-range",
        "js",
        "signatures.js",
        "if (r === 0n || r >= P256_N || s === 0n || s >= P256_N) return false;",
        "",
        "ECDSA r, s not checked to lie in (0, n) (Node's OpenSSL checks them too)",
    ),
)


def apply(mutant: Mutant, scratch: Path) -> list[str]:
    """Copy the implementation into `scratch`, apply the edit; the command prefixes for reader and verifier."""
    if mutant.implementation == "python":
        target_root = scratch / "reference" / "modelfmt"
        shutil.copytree(PYTHON_PACKAGE, target_root, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        target_root = scratch / "js"
        shutil.copytree(JS_FOLDER, target_root)
    path = target_root / mutant.file
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.original) != 1:
        raise SystemExit(f"{mutant.id}: the snippet occurs {text.count(mutant.original)} times in {mutant.file}")
    path.write_text(text.replace(mutant.original, mutant.mutated), encoding="utf-8")
    if mutant.implementation == "python":
        # The runner runs the unmutated package; only the reader and verifier processes see the mutant.
        prefix = (
            f"env PYTHONPATH={scratch / 'reference'} PYTHONDONTWRITEBYTECODE=1 {sys.executable} -m modelfmt.conformance"
        )
        return [f"{prefix} reader", f"{prefix} verifier"]
    return [f"node {target_root / 'cli.js'} read", f"node {target_root / 'cli.js'} verify"]


@dataclass(frozen=True)
class Outcome:
    verdict_kills: tuple[str, ...]
    code_kills: tuple[str, ...]
    seconds: float

    def status(self, ids: set[str] | None = None) -> str:
        verdict = [v for v in self.verdict_kills if ids is None or v in ids]
        code = [v for v in self.code_kills if ids is None or v in ids]
        return "killed" if verdict else ("code-only" if code else "survived")


def selection(suite: Path, max_recipe_bytes: int | None) -> list[str]:
    """`--filter` arguments: every vector, except recipes above `max_recipe_bytes` not tagged `bug:`."""
    if max_recipe_bytes is None:
        return []
    entries = json.loads((suite / "manifest.json").read_text(encoding="utf-8"))["vectors"]
    chosen = [
        entry["id"]
        for entry in entries
        if "recipe" not in entry
        or entry["size"] <= max_recipe_bytes
        or any(tag.startswith("bug:") for tag in entry.get("tags", ()))
    ]
    return [argument for identifier in chosen for argument in ("--filter", identifier)]


def run(mutant: Mutant, suite: Path, jobs: int, timeout: float, filters: list[str]) -> Outcome:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="modelfmt-mutant-") as folder:
        reader, verifier = apply(mutant, Path(folder))
        command = [
            sys.executable, "-m", "modelfmt", "conformance", "run", "--strict", "--json", "--batch",
            "--suite", str(suite), "--jobs", str(jobs), "--timeout", str(timeout),
            "--reader", reader, "--verifier", verifier, *filters,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT / "reference")}
        completed = subprocess.run(command, capture_output=True, env=env, check=False)
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise SystemExit(
            f"{mutant.id}: the runner printed no report\n{completed.stderr.decode(errors='replace')}"
        ) from None
    verdict: list[str] = []
    code: list[str] = []
    for result in report["results"]:
        if result["status"] != "fail":
            continue
        only_code = result["expected"] == "invalid" and result["outcome"] == "rejected"
        (code if only_code else verdict).append(result["id"])
    return Outcome(tuple(verdict), tuple(code), time.monotonic() - started)


def _rate(outcomes: dict[str, Outcome], ids: set[str] | None, *, strict: bool) -> str:
    if not outcomes:
        return "n/a"
    kinds = ("killed", "code-only") if strict else ("killed",)
    killed = sum(1 for outcome in outcomes.values() if outcome.status(ids) in kinds)
    return f"{killed}/{len(outcomes)} ({100 * killed / len(outcomes):.0f}%)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=SUITE, help="the conformance folder (default: this checkout's)")
    parser.add_argument("--impl", choices=("python", "js"), action="append", help="only this implementation")
    parser.add_argument("--only", action="append", help="only this mutant id (repeatable)")
    parser.add_argument("--baseline", type=Path, help="an older manifest.json: also report kills by its ids alone")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--json", type=Path, help="also write the outcomes to this file")
    parser.add_argument("--list", action="store_true", help="print the mutant table and exit")
    parser.add_argument(
        "--max-recipe-bytes",
        type=int,
        help="skip recipe vectors larger than this (the 64 MiB limit files), except those tagged bug:",
    )
    args = parser.parse_args(argv)
    chosen = [
        m for m in MUTANTS if (not args.impl or m.implementation in args.impl) and (not args.only or m.id in args.only)
    ]
    if args.list:
        for mutant in chosen:
            print(f"{mutant.id:32} {mutant.implementation:6} {mutant.file:28} {mutant.bug}")
        return 0
    baseline: set[str] | None = None
    if args.baseline is not None:
        baseline = {entry["id"] for entry in json.loads(args.baseline.read_text(encoding="utf-8"))["vectors"]}
    outcomes: dict[str, Outcome] = {}
    filters = selection(args.suite, args.max_recipe_bytes)
    for mutant in chosen:
        outcome = run(mutant, args.suite, args.jobs, args.timeout, filters)
        outcomes[mutant.id] = outcome
        before = f"  (baseline: {outcome.status(baseline)})" if baseline is not None else ""
        killers = ", ".join((outcome.verdict_kills or outcome.code_kills)[:3])
        print(f"{outcome.status():9} {mutant.id:32} {outcome.seconds:5.0f}s  {killers}{before}", flush=True)
    for implementation in ("python", "js"):
        subset = {k: v for k, v in outcomes.items() if k.startswith("py-" if implementation == "python" else "js-")}
        if not subset:
            continue
        line = f"{implementation}: killed {_rate(subset, None, strict=True)} with --strict, "
        line += f"{_rate(subset, None, strict=False)} by verdict"
        if baseline is not None:
            line += f"; baseline ids: {_rate(subset, baseline, strict=True)} with --strict, "
            line += f"{_rate(subset, baseline, strict=False)} by verdict"
        print(line)
    if args.json is not None:
        document = {
            key: {"status": o.status(), "baseline": None if baseline is None else o.status(baseline),
                  "verdict_kills": list(o.verdict_kills), "code_kills": list(o.code_kills)}
            for key, o in outcomes.items()
        }  # fmt: skip
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
