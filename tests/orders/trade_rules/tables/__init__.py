"""The case tables of the trade rules, one module per topic, each a list named CASES."""
