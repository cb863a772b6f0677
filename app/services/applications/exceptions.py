from app.core.errors import Conflict, NotFound, UnsupportedMedia, ValidationFailed


class ApplicationNotFound(NotFound):
    code = "application_not_found"

    def __init__(self, number: str = ""):
        super().__init__(f"办件不存在：{number} / No such application: {number}")


class IllegalTransition(Conflict):
    code = "illegal_transition"


class ConcurrentEdit(Conflict):
    code = "concurrent_edit"

    def __init__(self):
        super().__init__("该办件刚被他人修改，请刷新后重试 / The application was changed by someone else; "
                         "reload and try again")


class FormInvalid(ValidationFailed):
    code = "form_invalid"


class MaterialsIncomplete(ValidationFailed):
    code = "materials_incomplete"


class BadUpload(UnsupportedMedia):
    code = "unsupported_file_type"


class IntakeDone(IllegalTransition):
    code = "intake_done"

    def __init__(self):
        super().__init__("该办件已过受理环节 / This application is past intake (受理)")


class SecondPersonRequired(Conflict):
    """审核/审批: the person who gave the first-level opinion may not also sign the decision."""
    code = "second_person_required"

    def __init__(self):
        super().__init__("审核与审批须由两名不同的工作人员完成：您已签署审核意见，请由另一名审批人审批 / "
                         "The review and the approval need two different people: you gave the first-level "
                         "opinion, so another reviewer must sign the decision")


class ReviewOpinionRequired(Conflict):
    """A two-level matter is decided only after the first-level opinion (审核) is on record."""
    code = "review_opinion_required"

    def __init__(self):
        super().__init__("该事项实行审核、审批两级签批：请先签署审核意见（outcome: review，opinion: approve 或 deny），"
                         "再由另一名工作人员审批 / This matter needs two-level sign-off: record the first-level "
                         "opinion first (outcome \"review\" with opinion \"approve\" or \"deny\"); another "
                         "reviewer then decides")


class ReviewDone(Conflict):
    code = "review_done"

    def __init__(self):
        super().__init__("审核意见已签署，等待审批 / The first-level opinion is already on record; the approval "
                         "is awaited")
