from app.core.errors import Conflict, NotFound, ValidationFailed


class ModelNotFound(NotFound):
    code = "decision_model_not_found"

    def __init__(self, what: str = ""):
        super().__init__(f"决策模型不存在：{what} / No such decision model: {what}")


class InvalidModel(ValidationFailed):
    code = "invalid_decision_model"


class ModelNotDraft(Conflict):
    code = "decision_model_not_draft"
