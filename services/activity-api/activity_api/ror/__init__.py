"""ROR export and push: the establishment's offer and weekly capacity as FHIR R4."""
