"""`portal consult "QUESTION"` and `portal consult --evaluate FILE`."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def consult(
    question: Annotated[Optional[str], typer.Argument(help="问题 / a question in plain words")] = None,
    evaluate: Annotated[Optional[Path], typer.Option(
        "--evaluate", help="TSV file question<TAB>expected_matter_code: print top-1/top-3 accuracy and misses",
        exists=True, dir_okay=False, readable=True)] = None,
    cross_validate: Annotated[bool, typer.Option(
        "--cross-validate", help="5-fold cross-validation of the learned vote on its training files (per kind)")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=20, help="how many matters to show")] = 5,
    misses: Annotated[bool, typer.Option(
        "--misses/--no-misses", help="list the questions missed (--no-misses for a held-out file: figures only)")] = True,
) -> None:
    """Smart consultation: find the matters that answer a question (or measure accuracy on a file)."""
    from app.matters.consultation import engine

    started = time.perf_counter()
    index = engine.get_index()  # the file lexicon: no database needed
    build_s = time.perf_counter() - started
    if evaluate is not None:
        _evaluate(index, evaluate, build_s, misses)
        return
    if cross_validate:
        _cross_validate(index)
        return
    if question is None or not question.strip():
        console.print("[red]请给出问题 / give a question, or --evaluate FILE[/red]")
        raise typer.Exit(2)
    if len(question.strip()) > engine.MAX_QUESTION_CHARS:
        console.print(f"[red]问题不能超过 {engine.MAX_QUESTION_CHARS} 个字 / question too long[/red]")
        raise typer.Exit(2)
    answer = index.search(question.strip(), limit)
    if answer.not_found:
        console.print("没有找到相关事项。可以按主题浏览 / Nothing found; browse by theme:")
        for t in answer.themes:
            console.print(f"  · {t['name']} ({t['name_en']})")
        return
    if answer.clarify:
        console.print(f"[yellow]{answer.clarify.question}[/yellow] {answer.clarify.question_en}")
    table = Table("#", "matter_code", "名称 / name", "score", "why")
    for n, h in enumerate(answer.results, 1):
        table.add_row(str(n), h.matter_code, f"{h.name}\n{h.name_en}", f"{h.score:.2f}", "\n".join(h.why))
    console.print(table)
    best = answer.results[0]
    console.print(f"{best.summary}\n申请 / apply: {best.apply_url}")


def _evaluate(index, path: Path, build_s: float, show_misses: bool = True) -> None:
    from app.matters.consultation.evaluation import HOTLINE, NOTHING, evaluate, read_labelled_kinds

    rows = read_labelled_kinds(path)
    if not rows:
        console.print("[red]no labelled rows in the file[/red]")
        raise typer.Exit(2)
    known = {*index.matters, *index.bundles.items, HOTLINE, NOTHING}
    unknown = sorted({code for _, code, _ in rows if code not in known})
    if unknown:
        console.print(f"[yellow]unknown matter codes in the file: {', '.join(unknown)}[/yellow]")
    _print_report(evaluate(index, rows), build_s, show_misses)


def _cross_validate(index) -> None:
    """Each fold answered by a learned vote trained on the catalogue and the other folds only."""
    from app.matters.consultation.evaluation import cross_validate, read_labelled_kinds
    from app.matters.consultation.learned import DATA_DIR, TRAINING_FILES

    rows = [r for f in TRAINING_FILES if (DATA_DIR / f).exists() for r in read_labelled_kinds(DATA_DIR / f)]
    if not rows:
        console.print("[red]no training files to cross-validate on[/red]")
        raise typer.Exit(2)
    console.print(f"5-fold cross-validation on {', '.join(TRAINING_FILES)}")
    _print_report(cross_validate(index, rows, 5), index.build_seconds, False)


def _print_report(report, build_s: float, show_misses: bool) -> None:
    for m in report.misses if show_misses else []:
        console.print(f"  miss \\[{m.kind}]: {m.question}  expected {m.expected}, got {', '.join(m.got) or '(nothing)'}")
    for kind, (n, top1, top3) in report.kind_accuracy().items():
        console.print(f"  {kind:<10} {n:>4} questions  top-1 {top1:.3f}  top-3 {top3:.3f}")
    console.print(f"questions: {report.total}")
    console.print(f"top-1 accuracy: {report.top1_accuracy:.3f} ({report.top1}/{report.total})")
    console.print(f"top-3 accuracy: {report.top3_accuracy:.3f} ({report.top3}/{report.total})")
    console.print(f"latency p50 {report.percentile_ms(0.5):.2f} ms, p95 {report.percentile_ms(0.95):.2f} ms; "
                  f"index built in {build_s:.2f} s")
