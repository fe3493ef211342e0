"""The marketplace's own rules that more than one service and the gateway apply: who may act
(roles, actors), what may be sold where (compliance), which HS codes fit a category
(classification), and how cards charge some currencies (cards).

No I/O and no service imports: a rule here is a function of its arguments and of the data
files bundled beside it. It may use `services.common` (errors, signed tokens), never the
other way round: `services/common` is infrastructure and knows nothing of these rules.
"""
