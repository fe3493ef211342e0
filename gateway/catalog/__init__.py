"""Parts, suppliers and fitment, fed by the catalog service."""
