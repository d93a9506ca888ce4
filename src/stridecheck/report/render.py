"""Render reports: one self-contained HTML file (and optionally a PDF) for coaches.

:func:`render_report` writes the HTML with every script and style inlined (no
network needed to open it; charts are drawn by the inlined Vega bundle) and,
when asked, a PDF made by WeasyPrint from the same template with the charts
as static SVG images from vl-convert.

:func:`make_environment` is the Jinja2 environment shared with the dashboard:
templates in ``stridecheck/report/templates``, the language's catalog
installed, locale-aware filters (``num``, ``pct``, ``date``, ``datetime``,
``local_datetime``, ``dur``; times always name their time zone) and ``tr``,
which words generated text (:mod:`stridecheck.messages`: methods paragraphs,
compliance reasons) in the language.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from stridecheck import __version__
from stridecheck.errors import InputError
from stridecheck.i18n import Lang, get_lang
from stridecheck.outputs import atomic_output
from stridecheck.report import charts
from stridecheck.report.findings import finding_text
from stridecheck.report.model import AthleteReportData, Finding, SessionReport

__all__ = ["TEMPLATE_DIR", "ChartSink", "make_environment", "render_html", "render_report"]

#: Folder of the Jinja2 templates (shared with the dashboard).
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def _script_safe(text: str) -> str:
    """JavaScript that cannot end the ``<script>`` element it is placed in.

    ``</script`` becomes ``<\\/script``: the same text in JavaScript strings and
    regular expressions.
    """
    return _SCRIPT_END.sub(lambda m: "<\\/" + m.group(1), text)


def _json_for_script(value: object) -> str:
    """JSON safe inside a ``<script>`` element (every ``<`` written as ``\\u003c``)."""
    return json.dumps(value, allow_nan=False, default=str).replace("<", "\\u003c")


class ChartSink:
    """Collects chart specs while a template renders; places them interactively or as SVG.

    Parameters
    ----------
    interactive
        True: each chart becomes an empty ``<div>`` that the inlined Vega bundle
        fills in the browser (:attr:`specs` holds the specs by element id).
        False: each chart becomes an ``<img>`` holding a static SVG (for PDF).
    """

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.specs: dict[str, dict[str, Any]] = {}

    def place(self, spec: dict[str, Any] | None, kind: str) -> Markup:
        """The markup of one chart (empty when there is nothing to draw)."""
        if spec is None:
            return Markup("")
        chart_id = f"chart-{len(self.specs) + 1}"
        self.specs[chart_id] = spec
        if self.interactive:
            return Markup('<div class="chart" id="{}" data-chart="{}"></div>').format(
                chart_id, kind
            )
        svg = charts.to_svg(spec)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return Markup(
            '<div class="chart" data-chart="{}"><img alt="" src="data:image/svg+xml;base64,{}">'
            "</div>"
        ).format(kind, data)

    def specs_json(self) -> Markup:
        """The collected specs as JSON safe to put inside a ``<script>`` element."""
        return Markup(_json_for_script(self.specs))


def make_environment(lang: Lang, extra_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """The Jinja2 environment of reports and the dashboard for one language.

    ``extra_dirs`` are searched for templates before the report's own folder.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*(str(d) for d in extra_dirs), str(TEMPLATE_DIR)]),
        autoescape=jinja2.select_autoescape(("html", "xml"), default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(lang.translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = lang.number
    env.filters["pct"] = lang.percent
    env.filters["date"] = lang.date
    env.filters["datetime"] = lang.datetime
    env.filters["local_datetime"] = lang.local_datetime
    env.filters["dur"] = lang.duration
    env.filters["tr"] = lang.render
    env.globals["lang_code"] = lang.code
    env.globals["version"] = __version__

    def word(finding: Finding) -> str:
        return finding_text(
            finding, lang.gettext, lang.ngettext, lang.number, lang.percent, render=lang.render
        )

    env.globals["finding_text"] = word
    return env


def chart_globals(sink: ChartSink, lang: Lang) -> dict[str, Callable[..., Markup]]:
    """Template functions drawing the report's charts into ``sink``."""

    def timeline(session: SessionReport) -> Markup:
        return sink.place(charts.session_timeline_chart(session, lang), "timeline")

    def weekly(data: AthleteReportData) -> Markup:
        return sink.place(charts.weekly_chart(data, lang), "weekly")

    def pain(data: AthleteReportData) -> Markup:
        return sink.place(charts.pain_chart(data, lang), "pain")

    return {"timeline_chart": timeline, "weekly_chart": weekly, "pain_chart": pain}


def _anchor_links(data: AthleteReportData) -> Callable[[SessionReport], str]:
    return lambda s: f"#{data.anchor}-{s.anchor}"


def render_html(
    data_list: Sequence[AthleteReportData], *, lang: str = "en", interactive: bool = True
) -> str:
    """The report as one HTML document (see :func:`render_report`)."""
    language = get_lang(lang)
    env = make_environment(language)
    sink = ChartSink(interactive)
    title = (
        language.gettext("Run-walk report: %(athlete)s") % {"athlete": data_list[0].athlete}
        if len(data_list) == 1
        else language.gettext("Run-walk report: %(n)d athletes") % {"n": len(data_list)}
    )
    template = env.get_template("report.html")
    context: dict[str, Any] = {
        "athletes": list(data_list),
        "title": title,
        "css": Markup((TEMPLATE_DIR / "_style.css").read_text(encoding="utf-8")),
        "generated_at": dt.datetime.now(dt.UTC),
        "interactive": interactive,
        "session_link": _anchor_links,
        **chart_globals(sink, language),
    }
    # the charts are collected while the body renders; the specs and the Vega
    # bundle go after it, so render the body first and the scripts last
    context["specs_json"] = Markup("")
    context["vega_js"] = Markup("")
    html = template.render(context)
    if interactive:
        marker = '<script type="application/json" id="chart-specs"></script>'
        filled = (
            '<script type="application/json" id="chart-specs">'
            + str(sink.specs_json())
            + "</script>"
        )
        html = html.replace(marker, filled, 1)
        bundle_marker = "<script></script>"
        html = html.replace(
            bundle_marker, "<script>" + _script_safe(charts.vega_bundle()) + "</script>", 1
        )
    return html


def render_pdf(data_list: Sequence[AthleteReportData], out_pdf: Path, *, lang: str = "en") -> Path:
    """Write the report as a PDF (WeasyPrint; charts as static SVG)."""
    try:
        import weasyprint  # type: ignore[import-untyped]
    except ImportError as exc:
        raise InputError(
            str(out_pdf), "PDF output needs WeasyPrint: pip install 'stridecheck[pdf]'"
        ) from exc

    html = render_html(data_list, lang=lang, interactive=False)

    with atomic_output(out_pdf, force=True) as tmp:
        weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(
            str(tmp), presentational_hints=True
        )
    return out_pdf


def render_report(
    data_list: Sequence[AthleteReportData],
    out_html: str | os.PathLike[str],
    pdf: str | os.PathLike[str] | None = None,
    lang: str = "en",
) -> Path:
    """**Write the coach report: one self-contained HTML file, and a PDF if asked.**

    Parameters
    ----------
    data_list
        One :class:`~stridecheck.report.model.AthleteReportData` per athlete
        (more than one adds the sortable group table).
    out_html
        The HTML file to write (replaced atomically when it exists).
    pdf
        Also write the report as a PDF here.
    lang
        ``"en"`` or ``"de"``.

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    ValueError
        When ``data_list`` is empty.
    stridecheck.errors.InputError
        For a language without a catalog.
    """
    if not data_list:
        raise ValueError("no athletes to report on")
    out = Path(out_html)
    html = render_html(data_list, lang=lang, interactive=True)

    with atomic_output(out, force=True) as tmp:
        tmp.write_text(html, encoding="utf-8")
    if pdf is not None:
        render_pdf(data_list, Path(pdf), lang=lang)
    return out
