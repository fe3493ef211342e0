"""The supplier portal at /supplier: a company's own pages, over the public GraphQL API only.

A module per thing the supplier does, each with its own router, included by
`storefront.supplier.routes.routers()`: signing in and registering (`account`), parts and stock
with a part's form and pictures (`parts`, the form read by `part_form`), CSV import
(`csv_import`), certificates with their PDFs (`certificates`), verification of the company
(`verification`), orders to ship and cores sent back (`orders`), part returns (`returns`),
settlement statements with their CSV (`settlements`) and payouts to the bank account
(`payouts`). `portal` knows who is signed in; `forms` holds what the forms share.
"""
