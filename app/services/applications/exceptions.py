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
