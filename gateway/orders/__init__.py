"""Quotes, orders, payment and core returns, fed by the orders service."""
