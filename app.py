"""The local HTTP API: `chalice local` serves every route of the registry on one port (see Makefile: run).

Each route invokes the Lambda function's own handler with an API Gateway HTTP API event, in a warm
instance of the function from gophertok_local.pool; the routes come from gophertok.registry, the same
table template.yaml is checked against. `make run` serves the same routes through
gophertok_local.api_server.
"""

from gophertok_local.chalice_bridge import build_app

app = build_app()
