"""A buyer's address book: postal addresses checked per country, with a business's VAT or EORI number."""
