"""The national review scheme: five grades, indicators by channel, tags, and labels (zh, en)."""
from __future__ import annotations

from app.evaluation.models import (AnswerRating, AppealReason, AppealStatus, Complexity, ReviewChannel,
                                   TicketStatus, Verdict)

GRADES = {5: ("非常满意", "Very satisfied"), 4: ("满意", "Satisfied"), 3: ("基本满意", "Fairly satisfied"),
          2: ("不满意", "Dissatisfied"), 1: ("非常不满意", "Very dissatisfied")}
BAD_MAX = 2  # 1–2 are bad reviews (差评)
GOOD_MIN = 4  # 4–5 count as satisfied

ONLINE_INDICATORS = {"overall": ("整体满意度", "Overall satisfaction"), "efficiency": ("办事效率", "Efficiency"),
                     "guide_accuracy": ("办事指南精确度", "Accuracy of the guide"),
                     "convenience": ("办事便捷度", "Convenience"), "usability": ("平台操作性", "Ease of use")}
WINDOW_INDICATORS = {"overall": ("整体满意度", "Overall satisfaction"), "efficiency": ("服务效率", "Efficiency"),
                     "service_level": ("服务水平", "Service level"), "attitude": ("服务态度", "Attitude")}

CHANNELS = {ReviewChannel.online: ("网上办事大厅", "Online portal"),
            ReviewChannel.window_pad: ("窗口评价器", "Window rating pad"),
            ReviewChannel.terminal: ("自助终端", "Self-service terminal"),
            ReviewChannel.mobile: ("移动端", "Mobile app"), ReviewChannel.hotline: ("12345热线", "12345 hotline")}

TAGS = {"fast": ("办理速度快", "Fast"), "clear_guide": ("指南清楚", "Clear guide"),
        "no_repeat": ("无需重复提交材料", "Nothing asked twice"), "friendly": ("服务热情", "Friendly"),
        "slow": ("办理太慢", "Too slow"), "unclear_guide": ("材料要求说明不清", "Unclear requirements"),
        "repeat_materials": ("重复提交材料", "Materials asked twice"), "hard_to_use": ("系统不好用", "Hard to use"),
        "poor_attitude": ("服务态度差", "Poor attitude")}
MAX_TAGS = 5
MAX_COMMENT = 500

TICKET_STATUS = {TicketStatus.awaiting_contact: ("待联系", "Awaiting contact"),
                 TicketStatus.verified: ("已核实", "Verified"), TicketStatus.rectifying: ("整改中", "Rectifying"),
                 TicketStatus.answered: ("已答复", "Answered"), TicketStatus.closed: ("已办结", "Closed")}
VERDICTS = {Verdict.reasonable: ("差评属实", "Reasonable"), Verdict.unreasonable: ("差评不属实", "Unreasonable"),
            Verdict.malicious: ("恶意差评", "Malicious")}
COMPLEXITY = {Complexity.simple: ("简单问题（5个工作日）", "Simple (5 working days)"),
              Complexity.complex: ("复杂问题（15个工作日）", "Complex (15 working days)")}
ANSWER_RATINGS = {AnswerRating.satisfied: ("满意", "Satisfied"),
                  AnswerRating.basically_satisfied: ("基本满意", "Fairly satisfied"),
                  AnswerRating.unsatisfied: ("不满意", "Dissatisfied")}
APPEAL_REASONS = {AppealReason.mistaken: ("误评", "Mistaken"), AppealReason.malicious: ("恶意差评", "Malicious")}
APPEAL_STATUS = {AppealStatus.pending: ("待复核", "Pending"), AppealStatus.upheld: ("申诉成立", "Upheld"),
                 AppealStatus.rejected: ("申诉不成立", "Rejected")}

# 上海 "1、5、15": working days to contact the reviewer, to fix a simple case, a complex one.
CONTACT_DAYS = 1
RECTIFY_DAYS = {Complexity.simple: 5, Complexity.complex: 15}
APPEAL_FILE_DAYS = 5  # the unit appeals within 5 working days of the review
APPEAL_DECIDE_DAYS = 5  # the evaluator decides within 5 working days
ANSWER_AUTO_CLOSE_DAYS = 5  # an answer the reviewer does not rate closes itself

# Integrity: more than this many reviews from one account or one IP within the window is a burst.
BURST_WINDOW_MINUTES = 60
BURST_PER_ACCOUNT = 5
BURST_PER_IP = 10


def indicator_set(channel: ReviewChannel, application_channel: str) -> dict[str, tuple[str, str]]:
    """Window indicators for a window transaction or the window's pad; online ones otherwise."""
    if channel == ReviewChannel.window_pad or application_channel == "window":
        return WINDOW_INDICATORS
    return ONLINE_INDICATORS
