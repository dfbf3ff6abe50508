"""HTML pages of sessions and progress: Jinja2 templates (autoescaped) in templates/, SVG chart geometry in charts,
evidence highlighting in highlight, the pages in pages. Data in, HTML out: the CLI fetches what the pages show."""

from voicetrainer.reports.highlight import evidence_segments, highlight
from voicetrainer.reports.pages import (
    render_progress,
    render_session,
    reports_dir,
    write_page,
    write_progress_report,
    write_session_report,
)

__all__ = ["evidence_segments", "highlight", "render_progress", "render_session", "reports_dir", "write_page",
           "write_progress_report", "write_session_report"]
