"""The bench's results on the pages, drawn at build time from docs/_measurements/bench.json (`nox -s bench` writes it).

- ``:bench:`a.database_page.rps``` a figure by name, formatted: ``date``,
  ``minutes``, ``versions.django``, ``machine.cpu``, ``settings.seconds``...
  An unknown name fails the build and suggests the nearest names.
- ``.. bench:: speed`` (or ``slow``, ``bytes``, ``commands``): a table;
  ``findings`` and ``targets``: a list; ``wrk database_page`` (or
  ``wrk slow_requests``): the wrk command line; ``chart``: the bar chart,
  an SVG written into the build output's images folder, its caption the
  directive's content.

Pages that use them are rebuilt when a file they read changes.
tests/bench/run.py prints the same tables and targets with text_table().
"""

import difflib
import json
import statistics
from pathlib import Path
from xml.sax.saxutils import escape

from docutils import nodes
from docutils.parsers.rst import Directive, directives

ROOT = Path(__file__).resolve().parents[2]
BENCH_JSON = ROOT / "docs" / "_measurements" / "bench.json"
CHART = "bench-chart.svg"
ENCODINGS = ["br", "gzip", "identity"]
SLOW_LOAD = ["a", "b", "c"]  # the configurations measured with slow requests in flight
VERDICTS = {True: "met", False: "NOT MET", None: "report"}
MEASURED = ("database_page", "css", "slow_requests")
# name: (title, header, column widths)
TABLES = {
    "speed": ("Requests per second and latency", [
        "Configuration", "Database page req/s (range)", "p50 / p99 ms", "CSS file req/s (range)", "p50 / p99 ms",
        "RSS MiB", "Busiest worker's CPU share, database page (connections per worker)",
    ], [30, 14, 12, 14, 12, 7, 11]),
    "slow": ("The database page while slow requests are in flight", [
        "Configuration", "Database page req/s (range)", "p50 / p99 ms", "Without slow requests: req/s / p99 ms",
        "Slow requests done per s",
    ], [30, 16, 14, 18, 12]),
    "bytes": ("Response body bytes by Accept-Encoding (the encoding actually sent, when different, in brackets)",
              ["Server and asset", *ENCODINGS, "br saves"], [34, 14, 14, 14, 10]),
    "commands": ("The command each configuration ran, in the build's folder", ["Configuration", "Command"], [40, 60]),
}


def by_key(report):
    return {result["configuration"]: result for result in report["results"]}


def spread(measured):
    low, high = measured["requests_per_second_min_max"]
    return f"{low:.0f}-{high:.0f}"


def rps_latency(measured, digits=1):
    """"346 (274-361)" and "27.2 / 82.1": requests per second (range), and p50 / p99 in ms."""
    rate = f"{measured['requests_per_second']:.0f} ({spread(measured)})"
    return rate, f"{measured['p50_ms']:.{digits}f} / {measured['p99_ms']:.{digits}f}"


def percent(share):
    return f"{share:.0%}".replace("%", " %")


def share_span(shares):
    """"51 %" or "51-73 %": the lowest and highest busiest-worker share of the rounds."""
    low, high = round(100 * min(shares)), round(100 * max(shares))
    return f"{low} %" if low == high else f"{low}-{high} %"


def reduction(sizes, encoding):
    return round(100 * (1 - sizes[encoding]["body_bytes"] / sizes["identity"]["body_bytes"]), 1)


def splits(measured):
    """How many of wrk's connections each worker held halfway through each round: ["7+3", "6+4"]."""
    return ["+".join(map(str, run.get("connections_per_worker_halfway") or [])) for run in measured["rounds"]]


def slow_done(measured):
    return statistics.median(run["slow_requests_per_second"] for run in measured["rounds"])


def load_range(report):
    """The lowest and highest 1-minute load average seen at the start of a measurement."""
    values = [
        run["load_average_1m"]
        for result in report["results"] for name in MEASURED for run in result.get(name, {}).get("rounds", [])
    ]
    return min(values), max(values)


def figures(report):
    """Every figure the prose may quote, by name, formatted."""
    settings = report["settings"]
    found = {
        "date": report["date"], "minutes": str(report["minutes"]), "rounds": str(settings["rounds"]),
        "connections": str(settings["connections"]), "slow_connections": str(settings["slow_connections"]),
        "load_average": "{:.1f} to {:.1f}".format(*load_range(report)),
    }
    for group in ("machine", "versions", "settings"):
        found.update({f"{group}.{name}": str(value) for name, value in report[group].items()
                      if not isinstance(value, list)})
    for key, result in by_key(report).items():
        for name in filter(result.__contains__, MEASURED):
            measured, prefix = result[name], f"{key}.{name}"
            found[f"{prefix}.rps"] = f"{measured['requests_per_second']:.0f}"
            found[f"{prefix}.range"] = spread(measured)
            found[f"{prefix}.p50"] = f"{measured['p50_ms']:.0f}"
            found[f"{prefix}.p99"] = f"{measured['p99_ms']:.0f}"
            if shares := measured.get("busiest_worker_cpu_share"):
                found[f"{prefix}.busiest_share_max"] = percent(max(shares))
                found[f"{prefix}.busiest_shares"] = ", ".join(map(percent, shares))
                found[f"{prefix}.connections"] = ", ".join(splits(measured))
        if "slow_requests" in result:
            found[f"{key}.slow_requests.slow_done_per_second"] = f"{slow_done(result['slow_requests']):.1f}"
    return found


def table_rows(report, name):
    """The rows of TABLES[name], as text."""
    results = by_key(report)
    if name == "speed":
        rows = []
        for key, result in results.items():
            page = result.get("database_page") or {}
            shares = page.get("busiest_worker_cpu_share") or []
            workers = " ".join(f"{share:.0%} ({split})" for share, split in zip(shares, splits(page) if shares else []))
            rows.append([f"({key}) {result['name']}", *(rps_latency(page) if page else ("n/a", "n/a")),
                         *rps_latency(result["css"]), f"{result['rss_mib_after']:.0f}", workers or "n/a"])
        return rows
    if name == "slow":
        return [
            [f"({key}) {result['name']}", *rps_latency(result["slow_requests"]),
             f"{result['database_page']['requests_per_second']:.0f} / {result['database_page']['p99_ms']:.1f}",
             f"{slow_done(result['slow_requests']):.1f}"]
            for key, result in results.items() if "slow_requests" in result
        ]
    if name == "bytes":
        def sent(size, asked):  # the encoding actually sent, when not the one asked for
            return "" if size["content_encoding"] == asked else f" ({size['content_encoding']})"

        return [
            [f"({key}) {asset}", *(f"{sizes[e]['body_bytes']:,}{sent(sizes[e], e)}" for e in ENCODINGS),
             f"{reduction(sizes, 'br')} %"]
            for key in ("a", "d", "e") if key in results for asset, sizes in results[key]["bytes"].items()
        ]
    return [[f"({key}) {result['name']}", result["command_run"]] for key, result in results.items()]


def text_table(title, header, rows):
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths))  # noqa: E731
    return "\n".join([title, line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def targets(report):
    """The guide's (a) against the others: {name: {"met": True, False or None (no target), "figures": ...}}."""
    results, checks = by_key(report), {}

    def rate(name, ours, other):
        checks[name] = {"met": ours["requests_per_second"] >= other["requests_per_second"],
                        "figures": f"{ours['requests_per_second']:.0f} vs {other['requests_per_second']:.0f} req/s"}

    def p99(name, ours, other, target=True):
        checks[name] = {"met": ours["p99_ms"] <= other["p99_ms"] if target else None,
                        "figures": f"{ours['p99_ms']:.1f} vs {other['p99_ms']:.1f} ms"}

    page = {key: results[key]["database_page"] for key in SLOW_LOAD}
    rate("(a) at least as many req/s as (b) on the database page", page["a"], page["b"])
    rate("(a) at least as many req/s as (c) on the database page", page["a"], page["c"])
    p99("(a) p99 no worse than (b) on the database page", page["a"], page["b"])
    p99("(a) p99 against bare sync (c) on the database page", page["a"], page["c"], target=False)
    shares = page["a"]["busiest_worker_cpu_share"]
    checks["(a) busiest worker at most 60 % of the work in every round"] = {
        "met": max(shares) <= 0.60, "figures": " ".join(f"{share:.0%}" for share in shares)}
    if "slow_requests" in results["a"]:
        slow = {key: results[key]["slow_requests"] for key in SLOW_LOAD}
        for other in ("b", "c"):
            rate(f"(a) at least as many req/s as ({other}) with slow requests in flight", slow["a"], slow[other])
            p99(f"(a) p99 no worse than ({other}) with slow requests in flight", slow["a"], slow[other])
    for asset, sizes in results["a"]["bytes"].items():
        checks[f"Brotli at least 70 % smaller: {asset}"] = {
            "met": reduction(sizes, "br") >= 70,
            "figures": f"{sizes['identity']['body_bytes']:,} -> {sizes['br']['body_bytes']:,} bytes "
            f"({reduction(sizes, 'br')} % smaller)"}
    every = report["all_text_assets_br"]
    below = sorted(name for name, sizes in every.items() if sizes["saving_percent"] < 70)
    listed = ", ".join(f"{name} ({every[name]['identity']:,} B, {every[name]['saving_percent']} %)"
                       for name in below[:12]) + (" ..." if len(below) > 12 else "")
    checks["Brotli at least 70 % smaller: every text file collectstatic wrote"] = {
        "met": not below,
        "figures": f"{len(every) - len(below)} of {len(every)} files; below 70 %: {listed}"}
    ours, nginx = results["a"]["css"]["requests_per_second"], results["e"]["css"]["requests_per_second"]
    checks["WhiteNoise+gunicorn as a share of nginx on the CSS file"] = {
        "met": None, "figures": f"{ours / nginx:.0%} ({ours:.0f} vs {nginx:.0f} req/s)"}
    return checks


def findings(report):
    """What this run shows on the questions the guide's choices rest on, worded by the figures themselves."""
    results = by_key(report)
    page = {key: result["database_page"] for key, result in results.items() if "database_page" in result}
    lines = []
    if {"a", "a0"} <= page.keys():
        shares = "; ".join(f"({key}) {results[key]['short']}: {share_span(page[key]['busiest_worker_cpu_share'])}"
                           for key in ("a0", "a", "b") if key in page)
        lines.append(f"The busiest worker's share on the database page, over the rounds: {shares} "
                     "(50 % is an even split).")
        split = "; ".join(f"({key}) {', '.join(splits(page[key]))}" for key in ("a0", "a"))
        lines.append(f"How wrk's {report['settings']['connections']} connections were split between the workers, "
                     f"halfway through each round: {split}.")
    if {"a", "c"} <= page.keys():
        guide, sync = page["a"]["p99_ms"], page["c"]["p99_ms"]
        lines.append(
            f"On fast requests alone, bare sync workers (c) kept the lower p99: {sync:.0f} ms against the guide's "
            f"{guide:.0f} ms." if sync < guide else
            f"On fast requests alone, the guide's p99 was no higher than bare sync's (c): {guide:.0f} ms against "
            f"{sync:.0f} ms.")
    if all("slow_requests" in results.get(key, {}) for key in SLOW_LOAD):
        slow = {key: results[key]["slow_requests"] for key in SLOW_LOAD}
        answered = "; ".join(f"({key}) {slow[key]['requests_per_second']:.0f} req/s, p50 {slow[key]['p50_ms']:.0f} ms, "
                             f"p99 {slow[key]['p99_ms']:.0f} ms" for key in SLOW_LOAD)
        lines.append(f"With {report['settings']['slow_connections']} slow requests in flight, the database page "
                     f"answered {answered}.")
        ahead = (slow["a"]["requests_per_second"] > slow["c"]["requests_per_second"]
                 and slow["a"]["p99_ms"] < slow["c"]["p99_ms"])
        lines.append(
            "There the guide's threads served more fast requests, with a lower p99, than bare sync workers."
            if ahead else
            "There bare sync workers did as well as the guide's threads: this run does not support the guide's choice "
            "of threads.")
    return lines


def chart_svg(report):
    """An SVG bar chart of the database page's requests per second, alone and with slow requests in flight."""
    settings, results = report["settings"], [result for result in report["results"] if "database_page" in result]
    panels = [
        (f"Database page: requests per second (bar: median of {settings['rounds']} rounds; line: lowest to highest)",
         [(result, result["database_page"]) for result in results]),
        (f"The same while {settings['slow_connections']} requests at a time wait 1 s in PostgreSQL",
         [(result, result["slow_requests"]) for result in results if "slow_requests" in result]),
    ]
    width, label_width, bar_height, gap, right = 820, 230, 18, 8, 300
    plot = width - label_width - right
    # One scale for both panels, so the fall under slow requests shows as it is.
    top = max(measured["requests_per_second_min_max"][1] for _, rows in panels for _, measured in rows) or 1
    parts, y = [], 10
    for title, rows in filter(lambda panel: panel[1], panels):
        parts.append(f'<text x="10" y="{y + 18}" class="title">{escape(title)}</text>')
        y += 28
        for result, measured in rows:
            low, high = (label_width + plot * value / top for value in measured["requests_per_second_min_max"])
            middle, share = y + bar_height / 2, measured.get("busiest_worker_cpu_share")
            parts += [
                f'<text x="{label_width - 8}" y="{middle + 4:.1f}" class="label" text-anchor="end">'
                f'({result["configuration"]}) {escape(result["short"])}</text>',
                f'<rect x="{label_width}" y="{y}" width="{plot * measured["requests_per_second"] / top:.1f}" '
                f'height="{bar_height}" class="{"guide" if result["configuration"] == "a" else "other"}"/>',
                f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{middle:.1f}" y2="{middle:.1f}" class="range"/>',
                f'<text x="{high + 6:.1f}" y="{middle + 4:.1f}" class="value">'
                f'{measured["requests_per_second"]:.0f} req/s, p99 {measured["p99_ms"]:.0f} ms'
                + (f", busiest worker {share_span(share)}" if share else "") + "</text>",
            ]
            y += bar_height + gap
        y += 10
    height = y + 14
    parts.append(f'<text x="10" y="{height - 6}" class="note">nox -s bench, {escape(report["date"])}, '
                 f'{report["machine"]["nproc"]} shared cores, load average '
                 f'{"{:.1f} to {:.1f}".format(*load_range(report))}</text>')
    style = (
        "text{font-family:sans-serif;font-size:12px;fill:#222}.title{font-weight:bold}.note{font-size:11px;fill:#555}"
        ".guide{fill:#2980b9}.other{fill:#a5b1b8}.range{stroke:#222;stroke-width:1.5}"
    )
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-labelledby="bench-chart-title">',
        '<title id="bench-chart-title">Requests per second on the database page for each configuration</title>',
        f"<style>{style}</style>", f'<rect width="{width}" height="{height}" fill="#fff"/>', *parts, "</svg>", "",
    ])


# --- the build: bench.json drawn as docutils nodes ---

def read_report(env):
    env.note_dependency(str(BENCH_JSON))
    return json.loads(BENCH_JSON.read_text())


def table_node(title, header, rows, widths):
    """A table as list-table makes one: a caption, a header row, given column widths; a cell is text or a paragraph."""
    cell = lambda value: nodes.entry("", nodes.paragraph(text=value) if isinstance(value, str) else value)  # noqa: E731
    group = nodes.tgroup("", *(nodes.colspec(colwidth=width) for width in widths), cols=len(header))
    for part, part_rows in ((nodes.thead(), [header]), (nodes.tbody(), rows)):
        part += [nodes.row("", *map(cell, row)) for row in part_rows]
        group += part
    return nodes.table("", nodes.title(text=title), group, classes=["colwidths-given"])


def bullet_list(items):
    return nodes.bullet_list("", *(nodes.list_item("", nodes.paragraph("", "", *item)) for item in items), bullet="-")


class bench_chart(nodes.General, nodes.Element):
    """The chart's place on a page: an <img> of the SVG written into the build's images folder."""


def visit_chart_html(translator, node):
    alt = escape(node["alt"], {'"': "&quot;"})
    translator.body.append(f'<img src="{translator.builder.imgpath}/{CHART}" alt="{alt}" width="100%">')
    raise nodes.SkipNode


def skip_chart(translator, node):
    raise nodes.SkipNode


class BenchDirective(Directive):
    """``.. bench:: WHAT [NAME]``: a table, a list, a command line or the chart of the committed run."""

    required_arguments, optional_arguments, has_content = 1, 1, True
    option_spec = {"alt": directives.unchanged_required}

    def run(self):
        report = read_report(self.state.document.settings.env)
        what, name = self.arguments[0], self.arguments[1] if len(self.arguments) > 1 else None
        if what in TABLES:
            title, header, widths = TABLES[what]
            rows = table_rows(report, what)
            if what == "commands":  # literal: no smart dashes in --config
                rows = [[name, nodes.paragraph("", "", nodes.literal(text=command))] for name, command in rows]
            return [table_node(title, header, rows, widths)]
        if what == "findings":
            return [bullet_list([[nodes.Text(line)] for line in findings(report)])]
        if what == "targets":
            return [bullet_list([
                [nodes.strong(text=VERDICTS[check["met"]]), nodes.Text(f": {target}: {check['figures']}")]
                for target, check in targets(report).items()
            ])]
        if what == "wrk" and name in report["wrk_commands"]:
            return [nodes.literal_block(report["wrk_commands"][name], report["wrk_commands"][name], language="text")]
        if what == "chart":
            caption = nodes.paragraph()
            self.state.nested_parse(self.content, self.content_offset, caption)
            figure = nodes.figure("", bench_chart(alt=self.options.get("alt", "")))
            figure += nodes.caption("", "", *caption[0].children) if len(caption) else []
            return [figure]
        raise self.error(f"bench: unknown {' '.join(self.arguments)!r}; one of {', '.join(TABLES)}, findings, targets, "
                         f"chart, wrk {' or wrk '.join(report['wrk_commands'])}")


def bench_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    found = figures(read_report(inliner.document.settings.env))
    if text in found:
        return [nodes.Text(found[text])], []
    close = difflib.get_close_matches(text, found, n=3)
    message = inliner.reporter.error(
        f"unknown bench figure {text!r}: not among the {len(found)} figures of {BENCH_JSON.name}"
        + (f"; did you mean {' or '.join(map(repr, close))}?" if close else "; run `nox -s bench`?"), line=lineno)
    return [inliner.problematic(rawtext, rawtext, message)], [message]


def write_chart(app, exception):
    if exception is None and app.builder.format == "html":
        images = Path(app.outdir) / app.builder.imagedir
        images.mkdir(parents=True, exist_ok=True)
        (images / CHART).write_text(chart_svg(json.loads(BENCH_JSON.read_text())))


def setup(app):
    app.add_role("bench", bench_role)
    app.add_directive("bench", BenchDirective)
    skip = (skip_chart, None)
    app.add_node(bench_chart, html=(visit_chart_html, None), latex=skip, text=skip, man=skip, texinfo=skip)
    app.connect("build-finished", write_chart)
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
