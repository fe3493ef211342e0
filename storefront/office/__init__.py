"""The back office: the platform's own staff (inspectors and admins) at /office.

Server-rendered like the storefront and, like every integrator, a client of the public GraphQL
API only: what a staff member may do here is what their token may do there. Chinese first (the
platform's staff are in Chongqing), English a click away.

Each area of work is a module of this package with its own router (certificate review,
supplier verification, payouts, money back, people, audit), included by `storefront.office.routes.routers()`.
"""
