"""Print the results as a table, draw the chart, and refresh BENCHMARKS.md between its markers."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = REPO_ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
LINK_ORDER = ("notifications failing", "config reload failed", "Prometheus killed", "Watchdog routed away")


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, goal, met) for every figure a goal speaks of."""
    table: list[tuple[str, str, str, str]] = []
    for name, figures in results.get("time_to_down", {}).get("scenarios", {}).items():
        goal = figures.get("goal_s")
        table.append(
            (
                f"time to DOWN: {name}",
                f"median {figures['median_s']:.1f} s, worst {figures['worst_s']:.1f} s ({figures['trials']} trials)",
                "-" if goal is None else f"worst <= {goal:.0f} s",
                "-" if goal is None else ("yes" if figures["worst_s"] <= goal else "NO"),
            )
        )
    cost = results.get("heartbeat_cost")
    if cost:
        table.append(
            (
                "one heartbeat run vs bare urllib",
                f"{cost['program']['median_wall_s'] * 1000:.0f} ms vs {cost['floor']['median_wall_s'] * 1000:.0f} ms"
                f" = {cost['ratio_wall']:.2f}x wall, {cost['ratio_cpu']:.2f}x CPU;"
                f" peak {cost['program']['median_peak_rss_kib'] / 1024:.1f} MiB",
                f"<= {cost['goal_ratio']}x",
                "yes" if cost["goal_met"] else "NO",
            )
        )
        if "relay_resident_kib" in cost:
            table.append(
                (
                    "memory held between runs",
                    f"timer: 0 KiB; a resident relay: {cost['relay_resident_kib'] / 1024:.1f} MiB",
                    "none",
                    "yes",
                )
            )
    for hosts, figures in sorted(results.get("fleet_deploy", {}).get("by_hosts", {}).items(), key=lambda i: int(i[0])):
        for run in ("first", "second"):
            ratio = figures[f"{run}_ratio"]
            goal = figures[f"{run}_goal"]
            table.append(
                (
                    f"deploy, {hosts} host(s), {run} run",
                    f"{figures[f'{run}_s']:.1f} s vs floor {figures[f'{run}_floor_s']:.1f} s = {ratio:.2f}x",
                    f"<= {goal}x",
                    "yes" if ratio <= goal else "NO",
                )
            )
    adhoc = results.get("adhoc")
    if adhoc:
        table.append(
            (
                "ad hoc heartbeat vs ad hoc uri",
                f"{adhoc['heartbeat']['median_wall_s']:.2f} s vs {adhoc['uri_floor']['median_wall_s']:.2f} s"
                f" = {adhoc['ratio_wall']:.2f}x",
                f"<= {adhoc['goal_ratio']}x",
                "yes" if adhoc["goal_met"] else "NO",
            )
        )
    table += pipeline_rows(results)
    return table


def _seconds(figures: dict) -> str:
    """ "median 6.1 s, worst 11.0 s (10 trials)", or "never within 60 s (3 trials)", or both when some never did."""
    trials = f"({figures['trials']} trials)"
    never = f"never within {figures['window_s']:.0f} s"
    if figures["median_s"] is None:
        return f"{never} {trials}"
    seen = f"median {figures['median_s']:.1f} s, worst {figures['worst_s']:.1f} s"
    if figures["never"]:
        return f"{seen}; {figures['never']} {never} {trials}"
    return f"{seen} {trials}"


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def pipeline_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """The pipeline's links: time to DOWN per broken link (ours, the original relay's), a tick's cost, the soak."""
    table: list[tuple[str, str, str, str]] = []
    scenarios = results.get("pipeline_down", {}).get("scenarios", {})
    # results.json keeps keys sorted; the table keeps the order the bench breaks the links in.
    for name in sorted(scenarios, key=lambda name: (*LINK_ORDER, name).index(name)):
        figures = scenarios[name]
        goal = figures["goal_s"]
        met = figures["never"] == 0 and figures["worst_s"] is not None and figures["worst_s"] <= goal
        table.append((f"time to DOWN: {name}", _seconds(figures), f"worst <= {goal:.0f} s", "yes" if met else "NO"))
        table.append((f"time to DOWN: {name}, original relay", _seconds(figures["original_relay"]), "-", "-"))
    tick = results.get("pipeline_tick")
    if tick:
        for key, label in (("lab", "one tick, every link on"), ("many_rules", f"one tick, {tick['rules']:,} rules")):
            figures = tick[key]
            program_ms, floor_ms = (figures[side]["median_wall_s"] * 1000 for side in ("program", "floor"))
            verdict = "" if figures["verdict"]["up"] else f"; DOWN: {figures['verdict']['msg']}"
            table.append(
                (
                    f"{label}, vs bare urllib",
                    f"{program_ms:.0f} ms vs {floor_ms:.0f} ms = {figures['ratio_wall']:.2f}x wall,"
                    f" {figures['ratio_cpu']:.2f}x CPU; peak {figures['peak_mib']:.1f} MiB{verdict}",
                    f"<= {figures['goal_ratio']}x",
                    "yes" if figures["goal_met"] else "NO",
                )
            )
    soak = results.get("pipeline_soak")
    if soak:
        table.append(
            (
                f"healthy pipeline, {_duration(soak['duration_s'])} at T = {soak['interval_s']} s",
                f"{soak['false_down']} false DOWN of {soak['ours']['rows']} rows"
                f" ({soak['kuma_own_rows']} of Kuma's own no-heartbeat rows)",
                "0",
                "yes" if soak["false_down"] <= soak["goal_false_down"] else "NO",
            )
        )
    return table


def markdown_table(results: dict) -> str:
    lines = ["| benchmark | figure | goal | met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(results)]
    machine = results.get("machine", {})
    lines.append("")
    lines.append(f"Measured {results.get('measured_at', '?')} on {machine.get('description', '?')}.")
    full_run_on = machine.get("description")
    stamps = [
        f"{name} {figures['measured_at']} (load average {figures['loadavg_at_end']}"
        f"{'' if figures.get('machine', full_run_on) == full_run_on else ', on ' + figures['machine']})"
        for name, figures in results.items()
        if isinstance(figures, dict) and "loadavg_at_end" in figures
    ]
    if stamps:
        lines.append(f"Refreshed since by partial runs, each as it ended: {'; '.join(stamps)}.")
    return "\n".join(lines)


def print_table(results: dict) -> None:
    table = rows(results)
    widths = [max(len(row[i]) for row in [("benchmark", "figure", "goal", "met"), *table]) for i in range(4)]
    for row in [("benchmark", "figure", "goal", "met"), *table]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def refresh_markdown(results: dict) -> None:
    text = BENCHMARKS_MD.read_text()
    before, rest = text.split(START, 1)
    _old_table, after = rest.split(END, 1)
    BENCHMARKS_MD.write_text(f"{before}{START}\n{markdown_table(results)}\n{END}{after}")


def write_json(results: dict, path: Path) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def draw_chart(results: dict, path: Path) -> None:
    """Left: time to DOWN per failure (median and worst); right: each cost ratio against its goal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    scenarios = dict(results.get("time_to_down", {}).get("scenarios", {}))
    for name, figures in results.get("pipeline_down", {}).get("scenarios", {}).items():
        if figures["worst_s"] is not None:
            scenarios[f"link: {name}"] = figures
    names = list(scenarios)
    left.barh(names, [scenarios[name]["worst_s"] for name in names], color="#f4a582", label="worst")
    left.barh(names, [scenarios[name]["median_s"] for name in names], color="#ca0020", label="median")
    interval = results.get("time_to_down", {}).get("interval_s")
    if interval:
        left.axvline(interval + 2, color="black", linestyle="--", label=f"goal: T + 2 s (T = {interval} s)")
    left.set_xlabel("seconds from the failure to Kuma's DOWN row")
    left.set_title("Time to DOWN")
    left.legend(loc="lower right")

    ratios = [(row[0], row[1], row[3]) for row in rows(results) if "x" in row[2]]
    labels, values, goals, met = [], [], [], []
    for benchmark, figure_text, met_text in ratios:
        # The bar is the wall ratio; its colour is the row's verdict (a tick may miss on CPU, memory or its verdict).
        met.append(met_text == "yes")
        ratio_text = re.search(r"= ([0-9.]+)x", figure_text).group(1)
        goal_text = next(row[2] for row in rows(results) if row[0] == benchmark)
        labels.append(benchmark)
        values.append(float(ratio_text))
        goals.append(float(goal_text.strip("<= x")))
    positions = range(len(labels))
    right.barh(list(positions), values, color=["#0571b0" if ok else "#ca0020" for ok in met])
    right.scatter(goals, list(positions), marker="|", s=400, color="black", label="goal")
    right.set_yticks(list(positions), labels)
    right.set_xlabel("wall ratio to the floor (red: a goal missed)")
    right.set_title("Cost against the floor")
    right.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
