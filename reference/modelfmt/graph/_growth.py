"""How the cost of running a graph grows with its symbolic dimensions (what `check` reports, SPEC.md §9.11).

The footprint (`_footprint.py`) needs concrete sizes. For a graph whose inputs have symbols, it is
evaluated on a grid of sample sizes and interpolated exactly (rational arithmetic) as a polynomial in the
symbols: `peak memory ~ 4.00 MiB + 1.50 MiB x batch x seq`. A size is a product of dimensions that are
affine in the symbols, so totals are polynomials; the peak is a maximum of such totals, so the fit is
checked at one more point and reported as approximate when it misses. Samples are multiples of 64 (large
enough for the growing terms to dominate, divisible like real sizes); a graph that accepts only particular
sizes gets a note instead of a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise, product
from typing import Final

from ..format._errors import ModelfmtError
from ._concrete import infer_with_sizes
from ._footprint import Footprint, footprint, human_bytes, human_count
from ._types import Graph, TensorEntry

SAMPLE_STEP: Final = 64
MAX_DEGREE: Final = 3  # per symbol; higher growth is reported as approximate
MAX_EVALUATIONS: Final = 64  # grid points: enough for three symbols of degree 2, or four of degree 1 and so on
# Evaluations x the graph's size (nodes and their inputs and outputs): keeps `check` within seconds on
# huge graphs, whose one evaluation already costs about what validating them did.
MAX_SAMPLED_SIZE: Final = 400_000

Monomial = tuple[int, ...]  # the exponent of each symbol, in `Growth.symbols` order


@dataclass(frozen=True)
class Polynomial:
    symbols: tuple[str, ...]
    terms: Mapping[Monomial, Fraction]  # non-zero coefficients only

    def at(self, sizes: Sequence[int]) -> Fraction:
        total = Fraction(0)
        for powers, coefficient in self.terms.items():
            value = coefficient
            for size, power in zip(sizes, powers, strict=True):
                value *= size**power
            total += value
        return total

    def text(self, unit: Callable[[int], str]) -> str:
        parts: list[str] = []
        for powers, coefficient in sorted(self.terms.items(), key=lambda item: (sum(item[0]), item[0])):
            names = [
                name if power == 1 else f"{name}^{power}"
                for name, power in zip(self.symbols, powers, strict=True)
                if power
            ]
            term = " x ".join([unit(round(abs(coefficient))), *names])
            if parts:
                parts.append(f"{'-' if coefficient < 0 else '+'} {term}")
            else:
                parts.append(f"-{term}" if coefficient < 0 else term)
        return " ".join(parts) if parts else unit(0)

    def as_json(self) -> list[dict[str, object]]:
        return [
            {
                "coefficient": int(coefficient) if coefficient.denominator == 1 else float(coefficient),
                "powers": {name: power for name, power in zip(self.symbols, powers, strict=True) if power},
            }
            for powers, coefficient in sorted(self.terms.items())
        ]


@dataclass(frozen=True)
class Growth:
    """The reference runtime's peak memory (bytes) and work (work units) as functions of the symbols;
    `note` says why there is none."""

    symbols: tuple[str, ...]
    memory: Polynomial | None = None
    work: Polynomial | None = None
    exact: bool = True
    note: str | None = None

    def text(self) -> str:
        if self.memory is None or self.work is None:
            return f"running cost: {self.note}"
        approximately = "~ " if self.symbols else ""
        caveat = "" if self.exact else " (approximate: the peak moves between nodes as sizes change)"
        return (
            f"running it needs peak memory {approximately}{self.memory.text(human_bytes)} and work "
            f"{approximately}{self.work.text(human_count)} units (reference runtime, SPEC.md §9.11){caveat}"
        )

    def as_json(self) -> dict[str, object]:
        report: dict[str, object] = {"symbols": list(self.symbols), "exact": self.exact, "note": self.note}
        if self.memory is not None and self.work is not None:
            report["peak_memory_bytes"] = self.memory.as_json()
            report["work_units"] = self.work.as_json()
        report["text"] = self.text()
        return report


class _NotSampledError(Exception):
    """The graph cannot be evaluated at a sample point."""


def estimate_growth(graph: Graph, tensors: Mapping[str, TensorEntry]) -> Growth:
    """The growth of the graph's running cost with its input symbols."""
    symbols = tuple(dict.fromkeys(dim for decl in graph.inputs for dim in decl.shape if isinstance(dim, str)))
    if graph.extension_nodes:
        return Growth(symbols, note="none, the graph has extension ops, which modelfmt never executes")
    evaluate = _evaluator(graph, tensors, symbols)
    size = sum(1 + len(node.inputs) + len(node.outputs) for node in graph.nodes)
    budget = MAX_SAMPLED_SIZE // max(1, size)
    try:
        if not symbols:
            cost = evaluate(())
            return Growth((), _constant(cost.peak_bytes), _constant(cost.work))
        if (MAX_DEGREE + 1) * len(symbols) + 1 > budget:
            return Growth(symbols, note=f"not estimated, {len(graph.nodes)} nodes are too many to sample quickly")
        degrees = [_degree(evaluate, symbols, index) for index in range(len(symbols))]
        grid = [[SAMPLE_STEP * (step + 1) for step in range(degree + 1)] for degree in degrees]
        points = list(product(*grid))
        if len(points) > min(MAX_EVALUATIONS, budget):
            return Growth(symbols, note=f"not estimated, {len(symbols)} symbols need too many samples")
        costs = {point: evaluate(point) for point in points}
        memory = _interpolate(symbols, grid, {point: cost.peak_bytes for point, cost in costs.items()})
        work = _interpolate(symbols, grid, {point: cost.work for point, cost in costs.items()})
        check = tuple(SAMPLE_STEP * (degree + 3) for degree in degrees)
        actual = evaluate(check)
        exact = memory.at(check) == actual.peak_bytes and work.at(check) == actual.work
        return Growth(symbols, memory, work, exact=exact)
    except _NotSampledError as problem:
        return Growth(symbols, note=str(problem))


def _evaluator(
    graph: Graph, tensors: Mapping[str, TensorEntry], symbols: tuple[str, ...]
) -> Callable[[Sequence[int]], Footprint]:
    def evaluate(sizes: Sequence[int]) -> Footprint:
        binding = dict(zip(symbols, sizes, strict=True))
        shapes = {
            decl.name: tuple(binding[dim] if isinstance(dim, str) else dim for dim in decl.shape)
            for decl in graph.inputs
        }
        where = ", ".join(f"{name} = {size}" for name, size in binding.items())
        try:
            cost = footprint(graph, infer_with_sizes(graph, shapes, tensors), tensors)
        except ModelfmtError as exc:
            raise _NotSampledError(f"not estimated, the graph does not accept {where} ({exc.code}: {exc})") from None
        if cost.oversized is not None:
            when = f" when {where}" if where else ""
            raise _NotSampledError(f"every run fails with RUN_MEMORY_BUDGET{when}: {cost.oversized}")
        return cost

    return evaluate


def _constant(value: int) -> Polynomial:
    return Polynomial((), {(): Fraction(value)} if value else {})


def _degree(evaluate: Callable[[Sequence[int]], Footprint], symbols: tuple[str, ...], index: int) -> int:
    """The degree of the cost in one symbol, the others at the first sample size: the order of the last
    finite difference of memory or work that is not zero (at most MAX_DEGREE)."""
    series: list[tuple[int, int]] = []
    for step in range(MAX_DEGREE + 1):
        sizes = [SAMPLE_STEP] * len(symbols)
        sizes[index] = SAMPLE_STEP * (step + 1)
        cost = evaluate(sizes)
        series.append((cost.peak_bytes, cost.work))
    degree = 0
    for column in zip(*series, strict=True):
        values = list(column)
        for order in range(1, MAX_DEGREE + 1):
            values = [b - a for a, b in pairwise(values)]
            if any(values):
                degree = max(degree, order)
    return degree


def _interpolate(
    symbols: tuple[str, ...], grid: Sequence[Sequence[int]], values: Mapping[tuple[int, ...], int]
) -> Polynomial:
    """The polynomial with per-symbol degree len(grid[i]) - 1 through every grid point, exactly: a 1-d
    solve along each symbol in turn (tensor-product interpolation)."""
    table: dict[tuple[int, ...], Fraction] = {point: Fraction(value) for point, value in values.items()}
    # After axis i is solved, position i of a key holds an exponent instead of a sample size.
    for axis, samples in enumerate(grid):
        solved: dict[tuple[int, ...], Fraction] = {}
        rest = {key[:axis] + key[axis + 1 :] for key in table}
        for other in sorted(rest):
            ys = [table[(*other[:axis], x, *other[axis:])] for x in samples]
            for power, coefficient in enumerate(_solve(samples, ys)):
                solved[(*other[:axis], power, *other[axis:])] = coefficient
        table = solved
    return Polynomial(symbols, {powers: value for powers, value in table.items() if value})


def _solve(xs: Sequence[int], ys: Sequence[Fraction]) -> list[Fraction]:
    """Coefficients c_0..c_d of the polynomial through (xs[i], ys[i]): Newton's divided differences, then
    expanded into powers, all in exact fractions."""
    count = len(xs)
    differences = list(ys)
    for order in range(1, count):
        for index in range(count - 1, order - 1, -1):
            differences[index] = (differences[index] - differences[index - 1]) / (xs[index] - xs[index - order])
    coefficients = [Fraction(0)] * count
    for index in range(count - 1, -1, -1):
        # coefficients := coefficients * (x - xs[index]) + differences[index]
        shifted = [Fraction(0), *coefficients[:-1]]
        coefficients = [shifted[k] - xs[index] * coefficients[k] for k in range(count)]
        coefficients[0] += differences[index]
    return coefficients
