"""The local API Gateway (REST): HTTP server, proxy and authorizer events, Lambda authorizers, routes, proxy responses, the OpenAPI document and the console's files."""
