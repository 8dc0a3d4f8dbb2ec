"""The HTTP contract as data: object schemas, one operation per HTTP function, and the OpenAPI built from them.

Routes come only from ``gophertok.registry.ROUTES``; this package adds what the registry does not say
(parameters, response fields, whether a token is needed), keyed by the function's name.
"""
