"""The baseline of the HTTP benchmarks: the best simple thing — an `async` Starlette endpoint
answering every GET with the given bytes, under uvicorn, in its own process.

    python bench/bare_bytes.py BODY_FILE PORT [MEDIA_TYPE]
"""
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open(sys.argv[1], "rb").read()
MEDIA_TYPE = sys.argv[3] if len(sys.argv) > 3 else "application/json"


async def answer(request):
    return Response(BODY, media_type=MEDIA_TYPE)


app = Starlette(routes=[Route("/{path:path}", answer)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
