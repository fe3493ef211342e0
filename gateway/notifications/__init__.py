"""E-mail to people: what the shop tells a buyer after the sale, in the buyer's language."""
