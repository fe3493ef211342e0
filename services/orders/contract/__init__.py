"""The orders service's contract: the request and response shapes of its HTTP API, one module per
subdomain (quotes, checkout, fulfilment, finance, integrations, screening), the shapes they share
(shared.py) and the statuses the responses carry (statuses.py). No logic.

The service's routes answer with these models and the gateway parses the service's answers with
them: one definition of each shape. This package is the only part of orders that another
service, the gateway, the worker or the storefront's tests may import, so it imports nothing of
orders outside itself.
"""
