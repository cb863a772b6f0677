from app.core.errors import Conflict, NotFound


class OfferNotFound(NotFound):
    code = "offer_not_found"

    def __init__(self):
        super().__init__("没有这项主动服务 / No such proactive offer")


class OfferClosed(Conflict):
    code = "offer_closed"

    def __init__(self, status: str):
        super().__init__(f"该主动服务已处理（{status}） / This offer is already dealt with ({status})")
