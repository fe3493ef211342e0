"""The compliance policy the services share: the scheme registry, the market rules and the one
decision built on them (may this part be sold in this market?).

Certification answers `/eligibility` with it from its own certificates; the catalog keeps its
read model of markets per part with it, from the certificates the certificate events carry.
Both read the same bundled rules, so they cannot disagree on what a market requires.
"""
