"""FHIR JSON agendas (TDDUI, GAP, R4): a lenient parser to the same occurrences as iCal."""
