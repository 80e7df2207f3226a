"""Session reports: the data they show (``model``) and the PDF they become (``pdf``).

The PDF side (ReportLab, fonts) is imported only by whoever renders: ``proctor.reports.pdf``.
"""

from proctor.reports.model import ReportChat, ReportData, ReportEvent

__all__ = ["ReportChat", "ReportData", "ReportEvent"]
