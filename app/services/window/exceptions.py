from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class NoWindow(Forbidden):
    code = "no_window"

    def __init__(self):
        super().__init__("您没有分配到窗口 / You are not assigned to a window")


class MatterNotAuthorised(Forbidden):
    code = "matter_not_authorised"


class ApplicantNotFound(NotFound):
    code = "applicant_not_found"

    def __init__(self):
        super().__init__("没有找到使用该证件号码的账户，请申请人先注册一网通办账户 / No account uses this ID number; "
                         "the applicant must register an account first")


class InvalidIdNumber(ValidationFailed):
    code = "id_number_invalid"

    def __init__(self):
        super().__init__("证件号码格式不正确 / The ID number is not valid", fields={"applicant_id_number": "invalid"})


class NotForHandout(Conflict):
    code = "not_for_handout"


class SlotFull(Conflict):
    code = "slot_full"

    def __init__(self):
        super().__init__("该时段已约满，请选择其他时段 / This slot is fully booked; choose another")


class AlreadyBooked(Conflict):
    code = "already_booked"

    def __init__(self):
        super().__init__("您当天已有预约 / You already have a booking on that day")


class NoTicket(NotFound):
    code = "no_ticket"
