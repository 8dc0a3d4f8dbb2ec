"""HTTP edge: API Gateway events in, the JSON envelope out."""

from gophertok.http.endpoint import http_endpoint
from gophertok.http.request import Request

__all__ = ["Request", "http_endpoint"]
