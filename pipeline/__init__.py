"""Pure domain rules of medreg: lifecycle, kinds, code lists, schemas, verification, routing, identifiers."""
