from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class AlreadyReviewed(Conflict):
    code = "already_reviewed"

    def __init__(self):
        super().__init__("该办件已评价过（一事一评） / This application has already been reviewed")


class NotReviewable(Conflict):
    code = "not_reviewable"


class ReviewPeriodOver(Conflict):
    code = "review_period_over"


class OwnTransaction(Forbidden):
    code = "own_transaction"

    def __init__(self):
        super().__init__("工作人员不能评价自己经办的办件 / Staff cannot review transactions they handled")


class ReviewInvalid(ValidationFailed):
    code = "review_invalid"


class TicketNotFound(NotFound):
    code = "ticket_not_found"

    def __init__(self):
        super().__init__("整改工单不存在 / No such rectification ticket")


class ReviewNotFound(NotFound):
    code = "review_not_found"

    def __init__(self):
        super().__init__("评价不存在 / No such review")


class TicketStateError(Conflict):
    code = "ticket_state"


class AppealRefused(Conflict):
    code = "appeal_refused"
