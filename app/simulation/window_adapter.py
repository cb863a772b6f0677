"""The simulator's service windows by their codes (XH-Cnn comprehensive, XH-Dnn dedicated). The
window measures themselves are the window service's (`app.services.window.service`): the KPIs read
them there, so the window dashboard, the KPI dashboard and the simulator's report agree."""
from __future__ import annotations


def is_comprehensive(window_code: str | None) -> bool:
    """综合窗口 by its code: XH-Cnn (a dedicated 专窗 is XH-Dnn)."""
    return bool(window_code) and "-C" in window_code
